//! The report codec against a vector computed with Foundry's `cast` (the same ABI encoder and
//! signer as forge's `abi.encode` and `vm.sign` in `AutomationStack.sol`):
//!
//! ```text
//! T1=$(cast abi-encode "f(uint32,bytes32)" 99 0xaa…aa)
//! T2=$(cast abi-encode "f(uint32,bytes32)" 100 0xbb…bb)
//! R=$(cast abi-encode "f((uint256,uint256,uint256[],uint256[],bytes[],bytes[]))" \
//!       "(1000000000,2000000000,[1,2],[500000,400000],[$T1,$T2],[0x0102,0x])")
//! DG=$(cast keccak $(cast abi-encode "f(bytes32,bytes32[3])" $(cast keccak $R) "[$CD,$CD,$CD]"))
//! cast wallet sign --no-hash --private-key <anvil key 1 | anvil key 3> $DG
//! ```

use alloy::primitives::{B256, Bytes, U256, b256, bytes, hex};

use super::*;

// anvil's well-known development keys 1 and 3 (public test keys, never real funds).
const DEV_KEY_1: B256 = b256!("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const DEV_KEY_3: B256 = b256!("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
const CONFIG_DIGEST: B256 =
    b256!("000e1f2a6b0c9d3f4e5a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb0");
const RAW_REPORT_HASH: B256 =
    b256!("1880a570e4dffb0f9ab9d6f5ff1cd1a4746860243dc5402cd3ef8cf336d1f5fb");
const DIGEST: B256 = b256!("ad2bb64d10f4e4c85b0c521eeda305b22e93eb45c2ac15ef2f54c46b9793a17e");
const SIG_1: [u8; 65] = hex!(
    "bf446a4d1bd6719614c7c703681def172c8ebc29466993e309bf4553eeeb30df69a8f38315786ac6de53e568b09f9502ef267da4540211d6aca6f0aba8bd19761c"
);
const SIG_3: [u8; 65] = hex!(
    "2908c6f9d40473a782eddcc9ccfa086e87bad266dc1c6562a2d01dc87d2e86413ed1706820b527ccabe1738ba45f4f3783a3c46ff5ec80519c7d98ea6d76e7041b"
);

fn vector_report() -> Report {
    let t1 = conditional_trigger(99, B256::repeat_byte(0xaa)).unwrap();
    let t2 = conditional_trigger(100, B256::repeat_byte(0xbb)).unwrap();
    report(
        U256::from(1_000_000_000u64),
        U256::from(2_000_000_000u64),
        vec![U256::from(1u8), U256::from(2u8)],
        vec![U256::from(500_000u32), U256::from(400_000u32)],
        vec![t1, t2],
        vec![bytes!("0102"), Bytes::new()],
    )
    .unwrap()
}

fn signer(key: B256) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&key).unwrap()
}

#[test]
fn the_trigger_is_the_abi_encoded_block_and_hash() {
    let t = conditional_trigger(99, B256::repeat_byte(0xaa)).unwrap();
    assert_eq!(t.len(), 64);
    assert_eq!(t[31], 99);
    assert_eq!(&t[32..], &[0xaa; 32]);
    assert_eq!(
        conditional_trigger(1 << 32, B256::ZERO).unwrap_err(),
        ReportError::BlockTooHigh { block: 1 << 32 }
    );
}

#[test]
fn report_encoding_and_digest_match_cast() {
    let raw = encode_report(&vector_report());
    // abi.encode of a dynamic struct starts with its offset, 0x20.
    assert_eq!(raw[..32], U256::from(32u8).to_be_bytes::<32>());
    assert_eq!(keccak256(&raw), RAW_REPORT_HASH);
    assert_eq!(report_digest(&raw, &report_context(CONFIG_DIGEST)), DIGEST);
    assert_eq!(Report::abi_decode(&raw).unwrap(), vector_report());
}

#[test]
fn signatures_match_cast_and_recover_the_signers() {
    let keys = [signer(DEV_KEY_1), signer(DEV_KEY_3)];
    let signed = sign(&vector_report(), CONFIG_DIGEST, &keys).unwrap();
    assert_eq!(signed.report_context, [CONFIG_DIGEST; 3]);
    for (i, expected) in [SIG_1, SIG_3].iter().enumerate() {
        assert_eq!(
            signed.rs[i].as_slice(),
            &expected[..32],
            "r of signature {i}"
        );
        assert_eq!(
            signed.ss[i].as_slice(),
            &expected[32..64],
            "s of signature {i}"
        );
        assert_eq!(signed.raw_vs[i], expected[64] - 27, "v of signature {i}");
    }
    // Key 1's signature has v = 28, key 3's v = 27; the rest of rawVs is zero.
    assert_eq!(signed.raw_vs[..2], [1, 0]);
    assert!(signed.raw_vs[2..].iter().all(|b| *b == 0));
    // What the registry's ecrecover(h, uint8(rawVs[i]) + 27, rs[i], ss[i]) returns.
    for (i, key) in keys.iter().enumerate() {
        let sig = alloy::primitives::Signature::from_scalars_and_parity(
            signed.rs[i],
            signed.ss[i],
            signed.raw_vs[i] == 1,
        );
        assert_eq!(
            sig.recover_address_from_prehash(&DIGEST).unwrap(),
            key.address()
        );
    }
}

#[test]
fn transmit_calldata_has_the_length_the_registry_requires() {
    let keys = [signer(DEV_KEY_1), signer(DEV_KEY_3)];
    let signed = sign(&vector_report(), CONFIG_DIGEST, &keys).unwrap();
    let data = transmit_calldata(&signed);
    // AutomationRegistry2_3.transmit: msg.data.length == 324 + rawReport.length + 64 * rs.length.
    assert_eq!(data.len(), 324 + signed.raw_report.len() + 64 * 2);
    let decoded = AutomationRegistry2_3::transmitCall::abi_decode(&data).unwrap();
    assert_eq!(decoded.rawReport, signed.raw_report);
    assert_eq!(decoded.rawVs, signed.raw_vs);
}

#[test]
fn bad_shapes_are_refused() {
    let err = report(
        U256::ZERO,
        U256::ZERO,
        vec![U256::from(1u8)],
        vec![],
        vec![Bytes::new()],
        vec![Bytes::new()],
    )
    .unwrap_err();
    assert_eq!(
        err,
        ReportError::LengthMismatch {
            ids: 1,
            field: "gas limits",
            other: 0
        }
    );
    assert!(err.to_string().contains("1 upkeep ids but 0 gas limits"));
    assert_eq!(
        sign(&vector_report(), CONFIG_DIGEST, &[]).unwrap_err(),
        ReportError::BadSignerCount { count: 0 }
    );
    assert_eq!(
        pack_vs(&[true; 33]).unwrap_err(),
        ReportError::BadSignerCount { count: 33 }
    );
    assert_eq!(pack_vs(&[false, true, true]).unwrap()[..4], [0, 1, 1, 0]);
}
