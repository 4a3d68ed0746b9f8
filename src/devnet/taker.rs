//! The devnet's taker: fills the demo balancers' published orders on the real 1inch protocol
//! whenever a fill is profitable at the current feed prices, so the balancers really return to
//! their bands.
//!
//! Each step it reads every `OrdersPublished` since its last step (rebuilding each full order
//! from its salt, [`drift::published_order`]), keeps the bundles still open (not expired, still
//! the balancer's current epoch with a live digest), and asks the balancer what a fill of each
//! order takes and pays now (`fillableAmount`, and `getTakingAmount`: the order's Dutch auction at
//! the feeds' prices of this block). It fills when what it gets is worth at least what it pays
//! at the feeds' latest answers — from the auction's middle on, where the price crosses the
//! oracle — through `fillContractOrderArgs` with the balancer's extension. The protocol calls the
//! balancer's `isValidSignature` with every hash of the bundle (from the protocol's own
//! `hashOrder`), its getter, and its pre-interaction, which books the fill. The taker's tokens
//! come from the test tokens' open `mint`; it approves the protocol once per token.

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent, SolValue},
};

use crate::{
    chain::{
        Connection,
        bindings::{LimitOrderProtocol, MockV3Aggregator},
        ours::{Balancer, TestERC20, balancer::ILimitOrderProtocol},
    },
    devnet::record::DemoRecord,
    model::drift,
};

/// `TakerTraits`: `amount` is the making amount.
const MAKER_AMOUNT_FLAG: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);
/// `TakerTraits`: the extension's length in `args` starts at bit 224.
const ARGS_EXTENSION_LENGTH_OFFSET: usize = 224;

/// One published bundle the taker still considers.
#[derive(Debug, Clone)]
struct Bundle {
    balancer: Address,
    epoch: u32,
    expiry: u64,
    orders: Vec<LimitOrderProtocol::Order>,
    hashes: Vec<B256>,
    filled: BTreeSet<usize>,
}

/// What the taker has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TakerStats {
    /// Orders filled.
    pub fills: u64,
    /// Checks of an order not yet worth filling (its auction still above the oracle; left for
    /// a later step).
    pub unprofitable: u64,
    /// Fills that failed.
    pub failed: u64,
}

/// The taker.
#[derive(Debug)]
pub struct Taker {
    conn: Connection,
    lop: Address,
    balancers: BTreeSet<Address>,
    /// token → (feed, decimals).
    assets: BTreeMap<Address, (Address, u8)>,
    /// The demo tokens in asset order (every demo balancer's).
    tokens: Vec<Address>,
    approved: BTreeSet<Address>,
    cursor: u64,
    bundles: Vec<Bundle>,
    /// Counts so far.
    pub stats: TakerStats,
}

impl Taker {
    /// A taker sending from `conn`, filling orders of every demo balancer on `lop`.
    pub fn new(conn: Connection, lop: Address, demo: &DemoRecord, from_block: u64) -> Self {
        Self {
            conn,
            lop,
            balancers: demo.all_balancers().map(|b| b.address).collect(),
            assets: demo
                .assets
                .iter()
                .map(|a| (a.token, (a.feed, a.decimals)))
                .collect(),
            tokens: demo.assets.iter().map(|a| a.token).collect(),
            approved: BTreeSet::new(),
            cursor: from_block.saturating_sub(1),
            bundles: Vec::new(),
            stats: TakerStats::default(),
        }
    }

    /// One step: new bundles, then every profitable open order filled.
    pub async fn step(&mut self) -> eyre::Result<()> {
        let head = self.conn.provider.get_block_number().await?;
        if head > self.cursor {
            let filter = Filter::new()
                .from_block(self.cursor + 1)
                .to_block(head)
                .event_signature(Balancer::OrdersPublished::SIGNATURE_HASH);
            for log in self.conn.provider.get_logs(&filter).await? {
                if !self.balancers.contains(&log.address()) {
                    continue;
                }
                let e = Balancer::OrdersPublished::decode_log_data(log.data())?;
                let mut orders = Vec::with_capacity(e.orders.len());
                for o in &e.orders {
                    let full = drift::published_order(
                        log.address(),
                        &self.tokens,
                        e.expiry,
                        o.salt,
                        o.makingAmount,
                        o.takingAmount,
                    )?;
                    orders.push(lop_order(&full));
                }
                let mut hashes = Vec::with_capacity(orders.len());
                for o in &orders {
                    hashes.push(
                        LimitOrderProtocol::new(self.lop, &self.conn.provider)
                            .hashOrder(o.clone())
                            .call()
                            .await?,
                    );
                }
                self.bundles.push(Bundle {
                    balancer: log.address(),
                    epoch: e.epoch,
                    expiry: e.expiry,
                    orders,
                    hashes,
                    filled: BTreeSet::new(),
                });
            }
            self.cursor = head;
        }
        let now = self
            .conn
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .map_or(0, |b| b.header.timestamp);
        let mut keep = Vec::with_capacity(self.bundles.len());
        for mut b in std::mem::take(&mut self.bundles) {
            if now > b.expiry || b.filled.len() == b.orders.len() || !self.current(&b).await? {
                continue;
            }
            for k in 0..b.orders.len() {
                if b.filled.contains(&k) {
                    continue;
                }
                match self.try_fill(&b, k).await {
                    Ok(true) => {
                        b.filled.insert(k);
                        self.stats.fills += 1;
                    }
                    Ok(false) => self.stats.unprofitable += 1,
                    Err(e) => {
                        self.stats.failed += 1;
                        tracing::debug!(balancer = %b.balancer, epoch = b.epoch, order = k, error = %e, "taker: fill failed");
                    }
                }
            }
            keep.push(b);
        }
        self.bundles = keep;
        Ok(())
    }

    /// Whether the bundle is still the balancer's live one.
    async fn current(&self, b: &Bundle) -> eyre::Result<bool> {
        let s = Balancer::new(b.balancer, &self.conn.provider)
            .state()
            .call()
            .await?;
        Ok(s.epoch == b.epoch && !s.digest.is_zero())
    }

    /// Fills order `k` of `b` if it is worth it now; `Ok(false)` when it is not.
    async fn try_fill(&mut self, b: &Bundle, k: usize) -> eyre::Result<bool> {
        let o = &b.orders[k];
        let maker_asset = word_address(o.makerAsset);
        let taker_asset = word_address(o.takerAsset);
        let balancer = Balancer::new(b.balancer, &self.conn.provider);
        let making = balancer.fillableAmount(o.makingAmount).call().await?;
        let taking = balancer
            .getTakingAmount(
                balancer_order(o),
                Bytes::new(),
                b.hashes[k],
                self.conn.from,
                making,
                making,
                Bytes::new(),
            )
            .call()
            .await?;
        let got = self.value(maker_asset, making).await?;
        let paid = self.value(taker_asset, taking).await?;
        if got < paid {
            return Ok(false);
        }
        let token = TestERC20::new(taker_asset, &self.conn.provider);
        let held = token.balanceOf(self.conn.from).call().await?;
        if held < taking {
            let mint = TestERC20::mintCall {
                to: self.conn.from,
                amount: taking - held,
            };
            self.conn
                .call("taker: minting", taker_asset, mint.abi_encode().into())
                .await?;
        }
        if self.approved.insert(taker_asset) {
            let approve = TestERC20::approveCall {
                spender: self.lop,
                value: U256::MAX,
            };
            self.conn
                .call("taker: approving", taker_asset, approve.abi_encode().into())
                .await?;
        }
        let extension = drift::extension(b.balancer);
        // the most the taker pays (the threshold): the price it just checked; a fill mined a block
        // later pays the auction's price then, which only falls (or reverts if a feed moved up)
        let traits = MAKER_AMOUNT_FLAG
            | U256::from(extension.len()) << ARGS_EXTENSION_LENGTH_OFFSET
            | taking;
        let fill = LimitOrderProtocol::fillContractOrderArgsCall {
            order: o.clone(),
            signature: Bytes::from(b.hashes.abi_encode()),
            amount: making,
            takerTraits: traits,
            args: Bytes::from(extension),
        };
        let what = format!(
            "taker: filling order {k} of {} epoch {}",
            b.balancer, b.epoch
        );
        self.conn
            .call(&what, self.lop, fill.abi_encode().into())
            .await?;
        tracing::info!(balancer = %b.balancer, epoch = b.epoch, order = k, making = %making, taking = %taking, "taker filled an order");
        Ok(true)
    }

    /// USD (18 decimals) of `amount` of `token` at its feed's latest answer.
    async fn value(&self, token: Address, amount: U256) -> eyre::Result<U256> {
        let (feed, decimals) = self
            .assets
            .get(&token)
            .copied()
            .ok_or_else(|| eyre::eyre!("{token} is not a demo asset"))?;
        let f = MockV3Aggregator::new(feed, &self.conn.provider);
        let answer = f.latestAnswer().call().await?;
        let feed_decimals = f.decimals().call().await?;
        if !answer.is_positive() {
            return Err(eyre::eyre!("feed {feed} answers {answer}"));
        }
        Ok(drift::value(
            amount,
            answer.into_raw(),
            u32::from(decimals) + u32::from(feed_decimals),
        )?)
    }
}

/// The protocol binding's order of a rebuilt order (addresses as words).
fn lop_order(o: &drift::LimitOrder) -> LimitOrderProtocol::Order {
    LimitOrderProtocol::Order {
        salt: o.salt,
        maker: word(o.maker),
        receiver: word(o.receiver),
        makerAsset: word(o.maker_asset),
        takerAsset: word(o.taker_asset),
        makingAmount: o.making_amount,
        takingAmount: o.taking_amount,
        makerTraits: o.maker_traits,
    }
}

/// The balancer binding's order of the protocol binding's (the same eight words).
fn balancer_order(o: &LimitOrderProtocol::Order) -> ILimitOrderProtocol::Order {
    ILimitOrderProtocol::Order {
        salt: o.salt,
        maker: o.maker,
        receiver: o.receiver,
        makerAsset: o.makerAsset,
        takerAsset: o.takerAsset,
        makingAmount: o.makingAmount,
        takingAmount: o.takingAmount,
        makerTraits: o.makerTraits,
    }
}

fn word(a: Address) -> U256 {
    U256::from_be_bytes(a.into_word().0)
}

/// The address in the low 20 bytes of an order word.
fn word_address(w: U256) -> Address {
    Address::from_word(B256::from(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maker_amount_flag_is_bit_255_and_words_hold_addresses() {
        assert_eq!(MAKER_AMOUNT_FLAG, U256::from(1u8) << 255);
        let a = Address::repeat_byte(0x5a);
        assert_eq!(word_address(word(a)), a);
    }
}
