use alloy::{
    primitives::{Address, B256, U256, b256},
    sol_types::SolValue,
};
use serde_json::Value;

use super::*;

/// `cast keccak (cast abi-encode "f(bytes32,bytes32,bytes32,uint256,address)" (cast keccak
/// "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)") (cast
/// keccak "1inch Aggregation Router") (cast keccak "6") 1 0x111111125421cA6dc452d289314280a0f8842A65)`
const ROUTER_V6_MAINNET_DOMAIN: B256 =
    b256!("d999e213f11c7bfa3e796c3409e316f25e02aa3e25e5c207a92e381c7d22b6de");
/// The same for the protocol's own deployment name and version ("1inch Limit Order Protocol",
/// "4") on chain 31337 at anvil's first deployment address.
const LOP_ANVIL_DOMAIN: B256 =
    b256!("779693e482161a5d63b1842547f530920363faaa60fce3b3e947c3e14ebd26ff");

fn vectors() -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test/vectors/drift.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn u(v: &Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

/// The bundles of the forge-written drift vectors that publish orders.
fn vector_bundles() -> Vec<(Bundle, Vec<Value>)> {
    vectors()
        .into_iter()
        .filter(|c| !c["orders"].as_array().unwrap().is_empty())
        .map(|c| {
            let orders = c["orders"].as_array().unwrap().clone();
            let b = Bundle {
                chain_id: 31337,
                protocol: Address::repeat_byte(0x11),
                domain_separator: c["domainSeparator"].as_str().unwrap().parse().unwrap(),
                balancer: c["maker"].as_str().unwrap().parse().unwrap(),
                tokens: c["tokens"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().parse().unwrap())
                    .collect(),
                epoch: c["epoch"].as_str().unwrap().parse().unwrap(),
                expiry: c["expiry"].as_str().unwrap().parse().unwrap(),
                orders: orders
                    .iter()
                    .map(|o| Published {
                        salt: u(&o["salt"]),
                        making: u(&o["making"]),
                        taking: u(&o["taking"]),
                    })
                    .collect(),
            };
            (b, orders)
        })
        .collect()
}

#[test]
fn the_domain_separator_matches_cast_for_the_1inch_router_and_the_protocol_itself() {
    assert_eq!(
        domain_separator(
            ONEINCH_ROUTER_V6_NAME,
            ONEINCH_ROUTER_V6_VERSION,
            1,
            ONEINCH_ROUTER_V6
        ),
        ROUTER_V6_MAINNET_DOMAIN
    );
    let lop: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
        .parse()
        .unwrap();
    assert_eq!(
        domain_separator("1inch Limit Order Protocol", "4", 31337, lop),
        LOP_ANVIL_DOMAIN
    );
}

#[test]
fn every_published_order_of_the_forge_vectors_gets_the_contracts_hash_and_traits() {
    let bundles = vector_bundles();
    assert!(bundles.len() > 50, "{} bundles", bundles.len());
    let mut n = 0;
    for (b, expected) in &bundles {
        let got = payloads(b).unwrap();
        assert_eq!(got.len(), expected.len());
        for ((r, one, hook), e) in got.iter().zip(expected) {
            let hash: B256 = e["hash"].as_str().unwrap().parse().unwrap();
            assert_eq!(r.hash, hash, "the contract's OrderBook.hash (= hashOrder)");
            assert_eq!(r.order.maker_traits, u(&e["makerTraits"]));
            assert_eq!(one.order_hash, e["hash"].as_str().unwrap());
            assert_eq!(hook.order_hash, one.order_hash);
            assert_eq!(one.data.maker_traits, u(&e["makerTraits"]).to_string());
            n += 1;
        }
    }
    assert!(n > 200, "{n} orders");
}

#[test]
fn every_order_of_a_bundle_carries_the_bundle_signature_and_the_balancers_extension() {
    let (b, _) = vector_bundles()
        .into_iter()
        .find(|(b, _)| b.orders.len() > 2)
        .unwrap();
    let all = orders(&b).unwrap();
    let hashes: Vec<B256> = all.iter().map(|r| r.hash).collect();
    for r in &all {
        // what the balancer's isValidSignature decodes
        let decoded = <Vec<B256>>::abi_decode(&r.signature).unwrap();
        assert_eq!(decoded, hashes);
        assert_eq!(r.extension, drift::extension(b.balancer));
        // the protocol's rule for an order with an extension: salt's low 160 bits = its hash
        let low = (U256::from(1u8) << 160) - U256::from(1u8);
        assert_eq!(
            r.order.salt & low,
            U256::from_be_bytes(alloy::primitives::keccak256(&r.extension).0) & low
        );
        assert_eq!(r.order.maker, b.balancer);
        assert_eq!(r.order.receiver, Address::ZERO);
    }
}

#[test]
fn the_1inch_body_has_exactly_the_documented_fields_in_the_documented_formats() {
    let (b, _) = vector_bundles().into_iter().next().unwrap();
    let (_, one, _) = payloads(&b).unwrap().remove(0);
    let v = serde_json::to_value(&one).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["data", "orderHash", "signature"]);
    let mut data: Vec<&str> = v["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    data.sort_unstable();
    assert_eq!(
        data,
        [
            "extension",
            "maker",
            "makerAsset",
            "makerTraits",
            "makingAmount",
            "receiver",
            "salt",
            "takerAsset",
            "takingAmount"
        ]
    );
    let hex = |s: &str, len: usize| {
        s.len() == 2 + len
            && s.starts_with("0x")
            && s[2..]
                .bytes()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
    };
    assert!(hex(v["orderHash"].as_str().unwrap(), 64));
    for f in ["maker", "receiver", "makerAsset", "takerAsset"] {
        assert!(hex(v["data"][f].as_str().unwrap(), 40), "{f}");
    }
    for f in ["makingAmount", "takingAmount", "salt", "makerTraits"] {
        let s = v["data"][f].as_str().unwrap();
        assert!(
            !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()),
            "{f}: {s}"
        );
    }
    assert!(hex(v["data"]["extension"].as_str().unwrap(), 144));
    assert!(v["signature"].as_str().unwrap().starts_with("0x"));
    // read back
    assert_eq!(serde_json::from_value::<OneInchOrder>(v).unwrap(), one);
}

#[test]
fn the_webhook_message_names_everything_a_taker_needs() {
    let (b, _) = vector_bundles().into_iter().next().unwrap();
    let all = payloads(&b).unwrap();
    let (r, one, hook) = &all[all.len() - 1];
    let v = serde_json::to_value(hook).unwrap();
    assert_eq!(v["schema"], WEBHOOK_SCHEMA);
    assert_eq!(v["chainId"], 31337);
    assert_eq!(v["protocol"], "0x1111111111111111111111111111111111111111");
    assert_eq!(v["orderHash"], one.order_hash.as_str());
    assert_eq!(v["signature"], one.signature.as_str());
    assert_eq!(v["signatureKind"], "erc1271");
    assert_eq!(v["extension"], one.data.extension.as_str());
    assert_eq!(v["order"]["makingAmount"], one.data.making_amount.as_str());
    assert_eq!(v["order"]["makerTraits"], one.data.maker_traits.as_str());
    assert_eq!(v["epoch"], b.epoch);
    assert_eq!(v["expiry"], b.expiry);
    assert_eq!(v["index"], r.index);
    assert_eq!(v["bundleSize"], all.len());
    assert_eq!(v["fillMethod"], FILL_METHOD);
    assert_eq!(
        v["domainSeparator"],
        alloy::hex::encode_prefixed(b.domain_separator)
    );
}

#[test]
fn an_asset_index_past_the_tokens_is_an_error_not_a_panic() {
    let (mut b, _) = vector_bundles().into_iter().next().unwrap();
    b.tokens.truncate(1);
    assert!(matches!(orders(&b), Err(DriftError::Length { .. })));
}

#[test]
fn backoff_doubles_to_its_cap_and_verdicts_follow_the_status() {
    assert_eq!(
        (1..=6)
            .map(|a| backoff_ms(a, 1000, 10_000))
            .collect::<Vec<_>>(),
        [1000, 2000, 4000, 8000, 10_000, 10_000]
    );
    assert_eq!(backoff_ms(200, 1000, 60_000), 60_000);
    assert_eq!(backoff_ms(0, 1000, 60_000), 1000);
    for (s, v) in [
        (Some(200), Verdict::Delivered),
        (Some(201), Verdict::Delivered),
        (Some(400), Verdict::Refused),
        (Some(401), Verdict::Refused),
        (Some(404), Verdict::Refused),
        (Some(408), Verdict::Retry),
        (Some(429), Verdict::Retry),
        (Some(500), Verdict::Retry),
        (Some(503), Verdict::Retry),
        (Some(302), Verdict::Retry),
        (None, Verdict::Retry),
    ] {
        assert_eq!(verdict(s), v, "{s:?}");
    }
}
