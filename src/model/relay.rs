//! What the keeper sends to takers for a published bundle: the 1inch Orderbook API's order
//! submission and a generic webhook message, built from an `OrdersPublished` event alone.
//!
//! # The rule
//! A balancer's `OrdersPublished(epoch, expiry, orders)` gives each order's salt, making and
//! taking amount; the rest of the 1inch Limit Order Protocol v4 order follows from the salt and
//! the balancer's assets ([`drift::published_order`]). Each order's hash is the protocol's
//! `hashOrder`: EIP-712 over the order struct under the protocol's domain (name, version, chain
//! id, protocol address — [`domain_separator`]; the balancer stores the protocol's own
//! separator at creation and returns it from `protocol()`). The balancer is an ERC-1271 maker: it
//! accepts, for any order of its current unexpired bundle, the signature `abi.encode(bytes32[]
//! hashes)` — every order hash of the bundle in publication order — so every order of a bundle
//! carries the same signature. Takers fill with `fillContractOrderArgs`, passing the
//! [`drift::extension`] (the balancer as the making- and taking-amount getter).
//!
//! # The 1inch Orderbook API (v4)
//! `POST {base}/{chain}/` (base `https://api.1inch.dev/orderbook/v4.0`) with
//! `Authorization: Bearer <API key>` and the JSON body [`OneInchOrder`]:
//! `{orderHash, signature, data: {makerAsset, takerAsset, maker, receiver, makingAmount,
//! takingAmount, salt, extension, makerTraits}}` — addresses lowercase `0x` hex, amounts, salt
//! and maker traits as decimal strings, `extension` and `signature` `0x` hex. The API documents
//! `maker` as "wallet or contract address" and marks a contract maker's orders `isMakerContract`;
//! for a contract maker, `signature` carries the bytes its `isValidSignature` accepts.
//!
//! Sources (read, not copied): the request shape, number formats, URL and auth header from
//! 1inch's `@1inch/limit-order-sdk` (`src/api/api.ts` `submitOrder`, `src/api/constants.ts`,
//! `src/limit-order/limit-order.ts` `build`, `src/limit-order/eip712/domain.ts`), the field
//! descriptions from the 1inch Business Portal's Orderbook API reference ("Include a limit order
//! to the 1inch limit orders database", `POST /orderbook/v4.x/{chain}`), and the order type and
//! hash from the protocol (`OrderLib.sol`, `LimitOrderProtocol.hashOrder`).
//!
//! # The webhook message
//! [`WebhookOrder`], one POST per order: `schema` (`"onebalancer.order.v1"`), `chainId`,
//! `protocol`, `domainSeparator`, `orderHash`, `signature` (with `signatureKind: "erc1271"`),
//! `extension`, `order` (the eight order fields as strings, as in the 1inch body), `balancer`,
//! `epoch`, `expiry` (unix s), `index` and `bundleSize`, and `fillMethod`
//! (`"fillContractOrderArgs"`). Everything a taker needs to fill, nothing to look up.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    sol_types::SolValue,
};
use serde::{Deserialize, Serialize};

use super::drift::{self, DriftError, LimitOrder};

/// The webhook message's `schema`.
pub const WEBHOOK_SCHEMA: &str = "onebalancer.order.v1";
/// The method a taker fills a balancer's order with.
pub const FILL_METHOD: &str = "fillContractOrderArgs";
/// The EIP-712 domain type of the protocol.
pub const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
/// The 1inch Aggregation Router v6 (the Limit Order Protocol v4 of 1inch's API) on most chains.
pub const ONEINCH_ROUTER_V6: Address =
    alloy::primitives::address!("111111125421cA6dc452d289314280a0f8842A65");
/// Its EIP-712 name.
pub const ONEINCH_ROUTER_V6_NAME: &str = "1inch Aggregation Router";
/// Its EIP-712 version.
pub const ONEINCH_ROUTER_V6_VERSION: &str = "6";

/// The EIP-712 domain separator of a protocol (`keccak256(abi.encode(DOMAIN_TYPEHASH,
/// keccak256(name), keccak256(version), chainId, verifyingContract))`).
pub fn domain_separator(name: &str, version: &str, chain_id: u64, protocol: Address) -> B256 {
    keccak256(
        (
            keccak256(DOMAIN_TYPE),
            keccak256(name),
            keccak256(version),
            U256::from(chain_id),
            protocol,
        )
            .abi_encode(),
    )
}

/// One order as `OrdersPublished` carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// Its salt.
    pub salt: U256,
    /// Amount sold.
    pub making: U256,
    /// Amount bought at the floor (a fill pays the price at the fill).
    pub taking: U256,
}

/// A published bundle and what it needs to become full orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The chain.
    pub chain_id: u64,
    /// The 1inch protocol the balancer trades on (`protocol()`).
    pub protocol: Address,
    /// Its EIP-712 domain separator (`protocol()`, as read from the protocol at creation).
    pub domain_separator: B256,
    /// The balancer (every order's maker).
    pub balancer: Address,
    /// Its tokens, in asset order.
    pub tokens: Vec<Address>,
    /// The bundle's epoch.
    pub epoch: u32,
    /// When its orders expire (unix s).
    pub expiry: u64,
    /// Its orders, in publication order.
    pub orders: Vec<Published>,
}

/// One order ready to relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayOrder {
    /// Its index in the bundle.
    pub index: usize,
    /// The full order.
    pub order: LimitOrder,
    /// Its EIP-712 hash (`hashOrder`).
    pub hash: B256,
    /// The balancer's extension.
    pub extension: Vec<u8>,
    /// The ERC-1271 signature: `abi.encode(bytes32[] hashes)` of the whole bundle.
    pub signature: Vec<u8>,
}

/// Every order of `b`, rebuilt and hashed, with the bundle's signature.
pub fn orders(b: &Bundle) -> Result<Vec<RelayOrder>, DriftError> {
    let mut full = Vec::with_capacity(b.orders.len());
    for p in &b.orders {
        let o =
            drift::published_order(b.balancer, &b.tokens, b.expiry, p.salt, p.making, p.taking)?;
        full.push((o, o.hash(b.domain_separator)));
    }
    let hashes: Vec<B256> = full.iter().map(|(_, h)| *h).collect();
    let signature = hashes.abi_encode();
    let extension = drift::extension(b.balancer);
    Ok(full
        .into_iter()
        .enumerate()
        .map(|(index, (order, hash))| RelayOrder {
            index,
            order,
            hash,
            extension: extension.clone(),
            signature: signature.clone(),
        })
        .collect())
}

/// The order struct as 1inch's API writes it (`LimitOrderV4Struct` and `extension`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderData {
    /// Token sold, lowercase hex.
    pub maker_asset: String,
    /// Token bought.
    pub taker_asset: String,
    /// The maker (the balancer).
    pub maker: String,
    /// The receiver (zero: the maker).
    pub receiver: String,
    /// Decimal.
    pub making_amount: String,
    /// Decimal.
    pub taking_amount: String,
    /// Decimal.
    pub salt: String,
    /// `0x` hex.
    pub extension: String,
    /// Decimal.
    pub maker_traits: String,
}

impl OrderData {
    fn of(r: &RelayOrder) -> Self {
        let o = &r.order;
        Self {
            maker_asset: hex_address(o.maker_asset),
            taker_asset: hex_address(o.taker_asset),
            maker: hex_address(o.maker),
            receiver: hex_address(o.receiver),
            making_amount: o.making_amount.to_string(),
            taking_amount: o.taking_amount.to_string(),
            salt: o.salt.to_string(),
            extension: alloy::hex::encode_prefixed(&r.extension),
            maker_traits: o.maker_traits.to_string(),
        }
    }
}

/// The body of `POST /orderbook/v4.0/{chain}/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneInchOrder {
    /// `0x` + 64 lowercase hex digits.
    pub order_hash: String,
    /// The maker's signature (here the ERC-1271 bytes), `0x` hex.
    pub signature: String,
    /// The order and its extension.
    pub data: OrderData,
}

impl OneInchOrder {
    /// The submission of `r`.
    pub fn of(r: &RelayOrder) -> Self {
        Self {
            order_hash: hex_hash(r.hash),
            signature: alloy::hex::encode_prefixed(&r.signature),
            data: OrderData::of(r),
        }
    }
}

/// The order fields of the webhook message (the 1inch struct without the extension).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookOrderFields {
    /// Decimal.
    pub salt: String,
    /// The balancer.
    pub maker: String,
    /// Zero: the maker receives.
    pub receiver: String,
    /// Token sold.
    pub maker_asset: String,
    /// Token bought.
    pub taker_asset: String,
    /// Decimal.
    pub making_amount: String,
    /// Decimal: the floor; a fill pays the auction's price at the fill.
    pub taking_amount: String,
    /// Decimal.
    pub maker_traits: String,
}

/// The webhook message for one order (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookOrder {
    /// [`WEBHOOK_SCHEMA`].
    pub schema: String,
    /// The chain.
    pub chain_id: u64,
    /// The 1inch protocol to fill on.
    pub protocol: String,
    /// Its EIP-712 domain separator.
    pub domain_separator: String,
    /// The order's EIP-712 hash.
    pub order_hash: String,
    /// The ERC-1271 signature, `0x` hex.
    pub signature: String,
    /// Always `"erc1271"`: the maker is a contract.
    pub signature_kind: String,
    /// The extension to pass with the order, `0x` hex.
    pub extension: String,
    /// The order.
    pub order: WebhookOrderFields,
    /// The balancer.
    pub balancer: String,
    /// The bundle's epoch.
    pub epoch: u32,
    /// When the order expires (unix s).
    pub expiry: u64,
    /// Its index in the bundle.
    pub index: usize,
    /// Orders in the bundle.
    pub bundle_size: usize,
    /// [`FILL_METHOD`].
    pub fill_method: String,
}

impl WebhookOrder {
    /// The message for order `r` of `b` (`size` orders in all).
    pub fn of(b: &Bundle, r: &RelayOrder, size: usize) -> Self {
        let o = &r.order;
        Self {
            schema: WEBHOOK_SCHEMA.into(),
            chain_id: b.chain_id,
            protocol: hex_address(b.protocol),
            domain_separator: hex_hash(b.domain_separator),
            order_hash: hex_hash(r.hash),
            signature: alloy::hex::encode_prefixed(&r.signature),
            signature_kind: "erc1271".into(),
            extension: alloy::hex::encode_prefixed(&r.extension),
            order: WebhookOrderFields {
                salt: o.salt.to_string(),
                maker: hex_address(o.maker),
                receiver: hex_address(o.receiver),
                maker_asset: hex_address(o.maker_asset),
                taker_asset: hex_address(o.taker_asset),
                making_amount: o.making_amount.to_string(),
                taking_amount: o.taking_amount.to_string(),
                maker_traits: o.maker_traits.to_string(),
            },
            balancer: hex_address(b.balancer),
            epoch: b.epoch,
            expiry: b.expiry,
            index: r.index,
            bundle_size: size,
            fill_method: FILL_METHOD.into(),
        }
    }
}

/// Both payloads of every order of `b`: (order, 1inch body, webhook body).
pub fn payloads(b: &Bundle) -> Result<Vec<(RelayOrder, OneInchOrder, WebhookOrder)>, DriftError> {
    let all = orders(b)?;
    let n = all.len();
    Ok(all
        .into_iter()
        .map(|r| {
            let one = OneInchOrder::of(&r);
            let hook = WebhookOrder::of(b, &r, n);
            (r, one, hook)
        })
        .collect())
}

/// How long to wait before retry `attempt` (1 = the first retry): `base × 2^(attempt−1)`, at
/// most `max`.
pub fn backoff_ms(attempt: u32, base_ms: u64, max_ms: u64) -> u64 {
    let shift = attempt.saturating_sub(1).min(63);
    base_ms.saturating_mul(1u64 << shift).min(max_ms)
}

/// What a sink's answer means for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: delivered.
    Delivered,
    /// 4xx: refused; sending it again would be refused again.
    Refused,
    /// 5xx, 408, 429, a timeout or no connection: try again later.
    Retry,
}

/// The verdict on HTTP `status` (`None`: no answer — a timeout or a connection error).
pub fn verdict(status: Option<u16>) -> Verdict {
    match status {
        Some(s) if (200..300).contains(&s) => Verdict::Delivered,
        // Request Timeout and Too Many Requests are the server asking for a later try.
        Some(408 | 429) => Verdict::Retry,
        Some(s) if (400..500).contains(&s) => Verdict::Refused,
        _ => Verdict::Retry,
    }
}

fn hex_address(a: Address) -> String {
    alloy::hex::encode_prefixed(a.as_slice())
}

fn hex_hash(h: B256) -> String {
    alloy::hex::encode_prefixed(h.as_slice())
}

#[cfg(test)]
#[path = "relay_tests.rs"]
mod tests;
