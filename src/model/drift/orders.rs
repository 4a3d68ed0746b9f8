//! Netting, dust and 1inch Limit Order Protocol v4 orders (`OrderBook.net`, `OrderBook.build`,
//! `OrderBook.hash`). The balancer sells `makingAmount` (**rounded down**); `takingAmount` is the
//! order's floor at the perform's prices (**rounded up**): every rounding favours the portfolio. A
//! fill pays the price at the fill ([`super::fill`]).

use alloy::primitives::{Address, B256, I256, U256, keccak256};

use super::{
    DriftError,
    fill::{SaltFields, maker_traits, salt},
    math::{add, bps, mul, mul_div_ceil, pow10},
    measure::is_stable,
    value::{Asset, units},
};

/// `MakerTraits` flag: call the maker's `preInteraction`.
pub const PRE_INTERACTION_CALL: U256 = U256::from_limbs([0, 0, 0, 1 << 60]);
/// `MakerTraits` expiration offset.
pub const EXPIRATION_OFFSET: usize = 80;
/// `MakerTraits` nonce offset.
pub const NONCE_OFFSET: usize = 120;
/// The nonce is `epoch << 7 | index`: at most 128 orders per bundle.
pub const INDEX_BITS: usize = 7;
/// The LOP v4 order type string.
pub const ORDER_TYPE: &str = "Order(uint256 salt,address maker,address receiver,address makerAsset,address takerAsset,uint256 makingAmount,uint256 takingAmount,uint256 makerTraits)";

/// One netted pair: `sell` gives `usd` (18 decimals) of value to `buy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trade {
    /// Asset sold.
    pub sell: usize,
    /// Asset bought.
    pub buy: usize,
    /// USD value, 18 decimals.
    pub usd: U256,
}

/// Pairs sellers (negative deltas) with buyers greedily in asset order — at most n - 1 pairs —
/// and drops pairs worth less than `dust` (their amounts are still consumed).
pub fn net(deltas: &[I256], dust: U256) -> Result<Vec<Trade>, DriftError> {
    let mut trades = Vec::new();
    let (mut i, mut j) = (0usize, 0usize);
    let (mut sell_left, mut buy_left) = (U256::ZERO, U256::ZERO);
    loop {
        while sell_left.is_zero() {
            let Some(d) = deltas.get(i) else { break };
            i += 1;
            if d.is_negative() {
                sell_left = d.unsigned_abs();
            }
        }
        while buy_left.is_zero() {
            let Some(d) = deltas.get(j) else { break };
            j += 1;
            if d.is_positive() {
                buy_left = d.unsigned_abs();
            }
        }
        if sell_left.is_zero() || buy_left.is_zero() {
            return Ok(trades);
        }
        let x = sell_left.min(buy_left);
        if x >= dust {
            if x.bit_len() > 240 {
                return Err(DriftError::Overflow {
                    op: "net: a trade's USD value must fit 240 bits (packed with the indices)",
                });
            }
            trades.push(Trade {
                sell: i - 1,
                buy: j - 1,
                usd: x,
            });
        }
        sell_left -= x;
        buy_left -= x;
    }
}

/// A LOP v4 order (`OrderLib.Order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitOrder {
    /// Salt: the extension hash and the order's pricing fields ([`super::fill`]).
    pub salt: U256,
    /// The balancer.
    pub maker: Address,
    /// Always zero (the maker receives).
    pub receiver: Address,
    /// Token sold.
    pub maker_asset: Address,
    /// Token bought.
    pub taker_asset: Address,
    /// Amount sold.
    pub making_amount: U256,
    /// The floor's amount bought at the perform's prices (a fill pays the price at the fill).
    pub taking_amount: U256,
    /// Extension, pre-interaction, expiry and nonce ([`super::fill::maker_traits`]).
    pub maker_traits: U256,
}

impl LimitOrder {
    /// The EIP-712 hash `LimitOrderProtocol.hashOrder` computes under `domain_separator`.
    pub fn hash(&self, domain_separator: B256) -> B256 {
        let mut s = Vec::with_capacity(9 * 32);
        s.extend_from_slice(keccak256(ORDER_TYPE).as_slice());
        for w in [
            self.salt.into(),
            self.maker.into_word(),
            self.receiver.into_word(),
            self.maker_asset.into_word(),
            self.taker_asset.into_word(),
            self.making_amount.into(),
            self.taking_amount.into(),
            self.maker_traits.into(),
        ] {
            let w: B256 = w;
            s.extend_from_slice(w.as_slice());
        }
        let mut d = Vec::with_capacity(66);
        d.extend_from_slice(&[0x19, 0x01]);
        d.extend_from_slice(domain_separator.as_slice());
        d.extend_from_slice(keccak256(&s).as_slice());
        keccak256(&d)
    }
}

/// An order of the bundle with the assets it trades and its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedOrder {
    /// Asset sold.
    pub sell: usize,
    /// Asset bought.
    pub buy: usize,
    /// The order.
    pub order: LimitOrder,
    /// Its EIP-712 hash.
    pub hash: B256,
}

/// What order building needs (`OrderBook.Market`).
#[derive(Debug, Clone, Copy)]
pub struct Market<'a> {
    /// The assets.
    pub assets: &'a [Asset],
    /// Raw feed answers, one per asset.
    pub prices: &'a [U256],
    /// Orders are priced at the oracle rate less this.
    pub max_slippage_bps: u16,
    /// Stable-to-stable trades are split into this many orders.
    pub grid_levels: u8,
    /// Price step between grid levels.
    pub grid_spacing_bps: u16,
    /// The bundle's epoch: the state epoch + 1.
    pub epoch: U256,
    /// Order expiry (unix seconds).
    pub expiry: U256,
    /// The order's life (orderTtl), its auction's duration, seconds.
    pub duration: u32,
    /// The protocol's EIP-712 domain separator.
    pub domain_separator: B256,
    /// The balancer.
    pub maker: Address,
}

impl Market<'_> {
    fn asset(&self, i: usize) -> Result<(Asset, U256), DriftError> {
        match (self.assets.get(i), self.prices.get(i)) {
            (Some(a), Some(p)) => Ok((*a, *p)),
            _ => Err(DriftError::Length {
                field: "prices",
                len: self.prices.len().min(self.assets.len()),
                n: i + 1,
            }),
        }
    }
}

/// The bundle's orders and the bitmap of assets in it: one order per trade, or `grid_levels`
/// when both assets are stables (equal USD parts, the last taking the remainder; level k's floor
/// is `1e4 - slippage + k * spacing` bps of the oracle rate, its auction starting 2 x slippage
/// above). Orders with a zero amount are skipped and use no nonce index.
pub fn build(trades: &[Trade], m: &Market<'_>) -> Result<(Vec<PlannedOrder>, u16), DriftError> {
    let mut orders = Vec::new();
    let mut bitmap = 0u16;
    let mask = m.assets.iter().enumerate().fold(
        0u16,
        |acc, (i, a)| if a.stable { acc | bit(i) } else { acc },
    );
    for tr in trades {
        let (sa, sp) = m.asset(tr.sell)?;
        let (ba, bp) = m.asset(tr.buy)?;
        let grid = is_stable(mask, tr.sell) && is_stable(mask, tr.buy);
        let levels = if grid { u64::from(m.grid_levels) } else { 1 };
        for k in 0..levels {
            let lv = U256::from(levels);
            let part = if k + 1 < levels {
                tr.usd / lv
            } else {
                tr.usd - (tr.usd / lv) * (lv - U256::from(1u8))
            };
            let making = units(part, sp, sa.decimals())?;
            let step = mul(U256::from(k), U256::from(m.grid_spacing_bps), "grid step")?;
            let bound =
                bps()
                    .checked_sub(U256::from(m.max_slippage_bps))
                    .ok_or(DriftError::Overflow {
                        op: "price bps: 1e4 - maxSlippageBps",
                    })?;
            let floor = add(bound, step, "price bps")?;
            let price_bps = floor;
            let num = mul(
                mul(making, sp, "taking: making * price")?,
                price_bps,
                "taking: * bps",
            )?;
            let den = mul(pow10(sa.decimals(), "taking")?, bp, "taking: 10^d * price")?;
            let den = mul(den, bps(), "taking: * 1e4")?;
            let taking = mul_div_ceil(num, pow10(ba.decimals(), "taking")?, den, "taking")?;
            if making.is_zero() || taking.is_zero() {
                continue;
            }
            let index = u8::try_from(orders.len()).map_err(|_| DriftError::Overflow {
                op: "order index: at most 128 orders per bundle",
            })?;
            let fields = SaltFields {
                index,
                sell: tr.sell,
                buy: tr.buy,
                floor_bps: floor.try_into().map_err(|_| DriftError::Overflow {
                    op: "an order's floor bps must fit 16 bits",
                })?,
                span_bps: m
                    .max_slippage_bps
                    .checked_mul(2)
                    .ok_or(DriftError::Overflow {
                        op: "an order's span (2 x maxSlippageBps) must fit 16 bits",
                    })?,
                duration: m.duration,
                epoch: m.epoch,
            };
            let order = LimitOrder {
                salt: salt(m.maker, &fields),
                maker: m.maker,
                receiver: Address::ZERO,
                maker_asset: sa.token,
                taker_asset: ba.token,
                making_amount: making,
                taking_amount: taking,
                maker_traits: maker_traits(m.expiry, m.epoch, index),
            };
            let hash = order.hash(m.domain_separator);
            orders.push(PlannedOrder {
                sell: tr.sell,
                buy: tr.buy,
                order,
                hash,
            });
            bitmap |= bit(tr.sell) | bit(tr.buy);
        }
    }
    Ok((orders, bitmap))
}

/// Asset `i`'s bit (0 past 16 assets).
fn bit(i: usize) -> u16 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u16.checked_shl(i))
        .unwrap_or(0)
}
