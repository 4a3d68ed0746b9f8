//! The balancers' orders at fill time (`OrderBook.extension`, `OrderBook.auctionBps`,
//! `OrderBook.rate`, `BalancerBase.getTakingAmount`) and the signed salt they are built from.
//!
//! Every order carries the balancer's extension, which names the balancer as the order's making-
//! and taking-amount getter: a fill pays the feeds' price **at the fill**, a Dutch auction from
//! `floor + span` down to `floor` (bps of the oracle rate) over the order's life, rounded **up**
//! for the portfolio. The salt holds all of it (bits): 0..159 the extension hash, 160..166 the
//! order's index, 167..170 the sell asset, 171..174 the buy asset, 175..190 the floor, 191..206
//! the span (2 x maxSlippageBps), 207..223 the auction's duration (orderTtl, s), 224..255 the
//! bundle's epoch. So an `OrdersPublished` event (salt, making, taking per order, and the expiry)
//! gives back each full order with [`published_order`].

use alloy::primitives::{Address, U256, keccak256};

use super::{
    DriftError,
    math::{bps, mul, mul_div_ceil, pow10},
    orders::{EXPIRATION_OFFSET, INDEX_BITS, LimitOrder, NONCE_OFFSET, PRE_INTERACTION_CALL},
};

/// `MakerTraits` flag: the order has an extension (its hash is the salt's low 160 bits).
pub const HAS_EXTENSION: U256 = U256::from_limbs([0, 0, 0, 1 << 57]);
/// Salt bit offsets (see the module doc).
pub const SALT_INDEX: usize = 160;
/// The sell asset's index.
pub const SALT_SELL: usize = 167;
/// The buy asset's index.
pub const SALT_BUY: usize = 171;
/// The floor, bps of the oracle rate.
pub const SALT_FLOOR: usize = 175;
/// The auction's span above the floor, bps.
pub const SALT_SPAN: usize = 191;
/// The auction's duration, seconds.
pub const SALT_DURATION: usize = 207;
/// The bundle's epoch.
pub const SALT_EPOCH: usize = 224;

/// The extension's offsets word (`ExtensionLib`: field i ends at bits 32i..32i+31):
/// MakingAmountData ends at 20, TakingAmountData and every later field at 40.
fn extension_offsets() -> U256 {
    let forty = U256::from(40u8);
    U256::from(20u8) << 64 | forty << 96 | forty << 128 | forty << 160 | forty << 192 | forty << 224
}

/// The extension of every order `maker` publishes: the offsets word, then the maker as the
/// making-amount getter and as the taking-amount getter (72 bytes). Takers pass it with the
/// order (`fillContractOrderArgs`); the balancer's `extension()` returns the same bytes.
pub fn extension(maker: Address) -> Vec<u8> {
    let mut e = Vec::with_capacity(72);
    e.extend_from_slice(&extension_offsets().to_be_bytes::<32>());
    e.extend_from_slice(maker.as_slice());
    e.extend_from_slice(maker.as_slice());
    e
}

/// The low 160 bits of keccak256 of [`extension`]: what the protocol requires of the salt.
pub fn extension_hash(maker: Address) -> U256 {
    U256::from_be_bytes(keccak256(extension(maker)).0) & low_bits(160)
}

/// The fields of an order's salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaltFields {
    /// The order's index in its bundle (its nonce's low 7 bits).
    pub index: u8,
    /// The asset sold.
    pub sell: usize,
    /// The asset bought.
    pub buy: usize,
    /// The floor: bps of the oracle rate the order never goes below.
    pub floor_bps: u16,
    /// How far above the floor the auction starts, bps.
    pub span_bps: u16,
    /// The auction's duration (the order's life), seconds.
    pub duration: u32,
    /// The bundle's epoch (32 bits in a salt: an epoch of 2^32, which no contract reaches, writes
    /// none of its bits, as the contract's shift would).
    pub epoch: U256,
}

/// The salt of an order of `maker` with `f` (as `OrderBook._salt`), each field masked to its width.
pub fn salt(maker: Address, f: &SaltFields) -> U256 {
    extension_hash(maker)
        | (U256::from(f.index) & low_bits(7)) << SALT_INDEX
        | (U256::from(f.sell) & low_bits(4)) << SALT_SELL
        | (U256::from(f.buy) & low_bits(4)) << SALT_BUY
        | U256::from(f.floor_bps) << SALT_FLOOR
        | U256::from(f.span_bps) << SALT_SPAN
        | (U256::from(f.duration) & low_bits(17)) << SALT_DURATION
        | f.epoch << SALT_EPOCH
}

/// The fields of a salt (the inverse of [`salt`], but for the extension hash).
pub fn salt_fields(salt: U256) -> SaltFields {
    let field = |at: usize, bits: usize| (salt >> at) & low_bits(bits);
    SaltFields {
        index: field(SALT_INDEX, 7).to::<u8>(),
        sell: field(SALT_SELL, 4).to::<usize>(),
        buy: field(SALT_BUY, 4).to::<usize>(),
        floor_bps: field(SALT_FLOOR, 16).to::<u16>(),
        span_bps: field(SALT_SPAN, 16).to::<u16>(),
        duration: field(SALT_DURATION, 17).to::<u32>(),
        epoch: field(SALT_EPOCH, 32),
    }
}

/// The order's `MakerTraits`: extension, pre-interaction, expiry and the nonce `epoch << 7 | index`
/// (no partial-fill flag: the balancer fixes each fill's amount; no multiple fills, so the
/// protocol's bit invalidator spends the nonce at the first fill).
pub fn maker_traits(expiry: U256, epoch: U256, index: u8) -> U256 {
    HAS_EXTENSION
        | PRE_INTERACTION_CALL
        | expiry << EXPIRATION_OFFSET
        | (epoch << INDEX_BITS | U256::from(index)) << NONCE_OFFSET
}

/// The full order behind an `OrdersPublished` entry of `maker`: the assets are `tokens` (the
/// balancer's, in asset order) at the salt's indices.
pub fn published_order(
    maker: Address,
    tokens: &[Address],
    expiry: u64,
    salt: U256,
    making: U256,
    taking: U256,
) -> Result<LimitOrder, DriftError> {
    let f = salt_fields(salt);
    let token = |i: usize| {
        tokens.get(i).copied().ok_or(DriftError::Length {
            field: "tokens (an order's asset index)",
            len: tokens.len(),
            n: i + 1,
        })
    };
    Ok(LimitOrder {
        salt,
        maker,
        receiver: Address::ZERO,
        maker_asset: token(f.sell)?,
        taker_asset: token(f.buy)?,
        making_amount: making,
        taking_amount: taking,
        maker_traits: maker_traits(U256::from(expiry), f.epoch, f.index),
    })
}

/// The order's price at `time`, bps of the oracle rate (`OrderBook.auctionBps`): its floor plus
/// what is left of its span, falling linearly from the perform (`expiry - duration`) to `expiry`,
/// **rounded up**.
pub fn auction_bps(salt: U256, expiry: u64, time: u64) -> u32 {
    let f = salt_fields(salt);
    let (floor, span, duration) = (
        u64::from(f.floor_bps),
        u64::from(f.span_bps),
        u64::from(f.duration),
    );
    if span == 0 || time >= expiry {
        return f.floor_bps.into();
    }
    let left = expiry - time;
    if left >= duration {
        return (floor + span) as u32;
    }
    // left < duration, so duration > 0; span * left < 2^16 * 2^17
    (floor + (span * left).div_ceil(duration)) as u32
}

/// Buyer units a fill selling `making` seller units pays at `price_bps` of the oracle rate,
/// **rounded up**: making x sellPrice x priceBps x 10^buyDecimals / (10^sellDecimals x buyPrice x
/// 1e4), decimals being token + feed (`getTakingAmount` with `OrderBook.rate`).
pub fn taking_at(
    making: U256,
    price_bps: u32,
    sell_price: U256,
    sell_decimals: u32,
    buy_price: U256,
    buy_decimals: u32,
) -> Result<U256, DriftError> {
    let num = mul(
        mul(
            sell_price,
            U256::from(price_bps),
            "fill rate: sellPrice x bps",
        )?,
        pow10(buy_decimals, "fill rate")?,
        "fill rate: x 10^buyDecimals",
    )?;
    let den = mul(
        mul(
            pow10(sell_decimals, "fill rate")?,
            buy_price,
            "fill rate: 10^sellDecimals x buyPrice",
        )?,
        bps(),
        "fill rate: x 1e4",
    )?;
    mul_div_ceil(making, num, den, "fill: taking amount")
}

fn low_bits(n: usize) -> U256 {
    (U256::from(1u8) << n) - U256::from(1u8)
}
