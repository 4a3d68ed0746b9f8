//! The devnet's hub: a keeper of its own (anvil account 12) is the hub of the stack's
//! `HubDepository` for the demo's USDC, and simulated users ask it for top-ups at random.
//!
//! Set-up (before the keeper starts): the hub deposits a USDC reserve — small against the users'
//! demand, so batches soon need the users' signed pulls (pull before push) or leave requests
//! unaffordable; each user (a key derived from its index, given ETH with `anvil_setBalance`)
//! mints USDC, keeps a reserve in the depository to pay fees from, and funds its account with
//! some collateral of its own. Then every tick one user, at random, asks for a top-up (mostly
//! ordinary amounts, sometimes a tiny one, one above the cap, a fee limit below the hub fee, or a
//! deadline too close to be served), cancels one of its open requests, or — when its account
//! holds collateral on its side — signs a settlement that moves some of it to the hub and lets
//! the hub pull it, and hands it to the hub keeper's store (checked as `hub offer` checks it).

use std::{collections::BTreeMap, path::Path};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::{Provider, ext::AnvilApi},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{SolCall, SolEvent},
};
use eyre::{WrapErr, eyre};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    chain::{
        Connection,
        ours::{
            HubDepository, TestERC20,
            hub::{HubDepository::RebalanceRequested, IHubDepository::Diff},
        },
        provider,
    },
    keeper::{
        config::{HubSection, HubTokenEntry},
        hub::offers,
    },
    model::hub::units::{self, format_decimal},
    store::{HubOfferState, HubPullOffer, OfferDiff, Store},
};

/// Simulated users.
pub const USERS: usize = 6;
/// The hub's USDC reserve at the start, whole tokens.
pub const HUB_RESERVE: u64 = 20_000;
/// Each user's USDC reserve (pays its fees), whole tokens.
const USER_RESERVE: u64 = 5_000;
/// Each user's own collateral in its account at the start, whole tokens.
const USER_COLLATERAL: u64 = 1_000;
/// What one signed pull moves to the hub and pulls, whole tokens.
const PULL: u64 = 800;

/// The hub's set-up.
#[derive(Debug, Clone)]
pub struct HubSetup {
    /// The depository.
    pub depository: Address,
    /// The hub (the devnet keeper).
    pub hub: Address,
    /// The token served (the demo's USDC).
    pub token: Address,
    /// Its decimals.
    pub decimals: u8,
    /// The users' keys.
    pub users: Vec<PrivateKeySigner>,
    /// The block the depository was deployed in (where the hub keeper starts reading).
    pub from_block: Option<u64>,
}

impl HubSetup {
    /// The `[hub]` section the devnet keeper runs with: the planner's defaults, 10 s window.
    /// `native_usd` is the native coin's USD price with 8 decimals (the demo's feed).
    pub fn section(&self, native_usd: i64) -> HubSection {
        let price = format_decimal(U256::from(native_usd.unsigned_abs()), 8, 0);
        let token = HubTokenEntry {
            address: self.token,
            decimals: self.decimals,
            native_price: price,
            min_amount: "1".into(),
            max_amount: "5000".into(),
            max_per_user: "8000".into(),
            max_per_interval: "60000".into(),
        };
        let mut section = HubSection::new(
            self.depository,
            BTreeMap::from([("USDC".to_string(), token)]),
        );
        section.from_block = self.from_block;
        section
    }
}

/// A user's key: derived from its index (a devnet throwaway, like anvil's own keys).
pub fn user_key(i: usize) -> eyre::Result<PrivateKeySigner> {
    let seed = keccak256(format!("onebalancer devnet hub user {i}"));
    PrivateKeySigner::from_bytes(&seed).map_err(|e| eyre!("hub user {i}'s key: {e}"))
}

fn whole(n: u64, decimals: u8) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(decimals))
}

async fn send(
    conn: &Connection,
    what: &str,
    to: Address,
    call: &impl SolCall,
) -> eyre::Result<alloy::rpc::types::TransactionReceipt> {
    conn.call(what, to, call.abi_encode().into())
        .await
        .wrap_err_with(|| format!("devnet hub: {what}"))
}

/// Funds the hub's reserve and sets up [`USERS`] users (see the module doc).
pub async fn setup(
    deployer: &Connection,
    hub: &Connection,
    (depository, from_block): (Address, Option<u64>),
    token: Address,
    decimals: u8,
) -> eyre::Result<HubSetup> {
    let amount = |n| whole(n, decimals);
    let approve = TestERC20::approveCall {
        spender: depository,
        value: U256::MAX,
    };
    send(
        deployer,
        "USDC.mint(hub)",
        token,
        &TestERC20::mintCall {
            to: hub.from,
            amount: amount(HUB_RESERVE),
        },
    )
    .await?;
    send(hub, "USDC.approve(depository) by the hub", token, &approve).await?;
    send(
        hub,
        "depository.deposit by the hub",
        depository,
        &HubDepository::depositCall {
            token,
            amount: amount(HUB_RESERVE),
        },
    )
    .await?;
    let mut users = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let key = user_key(i)?;
        let who = key.address();
        deployer
            .provider
            .anvil_set_balance(who, U256::from(10u64).pow(U256::from(20u8)))
            .await
            .wrap_err_with(|| format!("devnet hub: anvil_setBalance(user {i})"))?;
        send(
            deployer,
            "USDC.mint(user)",
            token,
            &TestERC20::mintCall {
                to: who,
                amount: amount(USER_RESERVE + USER_COLLATERAL),
            },
        )
        .await?;
        let user = provider::connect(&deployer.url, key.clone()).await?;
        send(&user, "USDC.approve(depository) by a user", token, &approve).await?;
        send(
            &user,
            "depository.deposit by a user",
            depository,
            &HubDepository::depositCall {
                token,
                amount: amount(USER_RESERVE + USER_COLLATERAL),
            },
        )
        .await?;
        let fund = HubDepository::fundAccountCall {
            hub: hub.from,
            user: who,
            token,
            amount: amount(USER_COLLATERAL),
        };
        send(&user, "depository.fundAccount by a user", depository, &fund).await?;
        users.push(key);
    }
    Ok(HubSetup {
        depository,
        hub: hub.from,
        token,
        decimals,
        users,
        from_block,
    })
}

/// One open request a simulated user remembers (to cancel it).
#[derive(Debug, Clone)]
struct Open {
    id: U256,
    amount: U256,
    max_fee: U256,
    deadline: u64,
}

/// What the simulated users did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubUsersStats {
    /// Requests made.
    pub requests: u64,
    /// Requests cancelled.
    pub cancels: u64,
    /// Pull offers handed to the hub.
    pub offers: u64,
}

/// The simulated users' job.
pub struct HubUsers {
    setup: HubSetup,
    conns: Vec<Connection>,
    store: Store,
    chain_id: u64,
    rng: ChaCha8Rng,
    open: Vec<Vec<Open>>,
    /// What they did.
    pub stats: HubUsersStats,
}

impl HubUsers {
    /// The users of `setup`, handing their offers to the keeper store at `store`.
    pub async fn new(
        setup: HubSetup,
        url: &str,
        store: &Path,
        chain_id: u64,
        seed: u64,
    ) -> eyre::Result<Self> {
        let mut conns = Vec::with_capacity(setup.users.len());
        for k in &setup.users {
            conns.push(provider::connect(url, k.clone()).await?);
        }
        let store = Store::open(&store.to_string_lossy()).await?;
        Ok(Self {
            open: vec![Vec::new(); setup.users.len()],
            setup,
            conns,
            store,
            chain_id,
            rng: ChaCha8Rng::seed_from_u64(seed),
            stats: HubUsersStats::default(),
        })
    }

    /// One user acts (see the module doc).
    pub async fn step(&mut self) -> eyre::Result<()> {
        let i = self.rng.random_range(0..self.conns.len());
        let roll: u32 = self.rng.random_range(0..100);
        if roll < 12 && !self.open[i].is_empty() {
            return self.cancel(i).await;
        }
        if roll < 24 && self.offer(i).await? {
            return Ok(());
        }
        self.request(i).await
    }

    async fn request(&mut self, i: usize) -> eyre::Result<()> {
        let d = self.setup.decimals;
        let kind: u32 = self.rng.random_range(0..100);
        let whole_amount: u64 = match kind {
            0..6 => self.rng.random_range(2..6), // tiny: below the soft limit
            6..10 => self.rng.random_range(6_000..9_000), // above max_amount
            _ => self.rng.random_range(150..2_500),
        };
        let amount = whole(whole_amount, d);
        // Most accept 3 % in fees; some cap the fee below the hub's 1 %.
        let max_fee = if (10..16).contains(&kind) {
            amount / U256::from(2_000u64)
        } else {
            amount * U256::from(3u8) / U256::from(100u8)
        };
        let now = self.now().await?;
        let deadline = if (16..22).contains(&kind) {
            now + 20
        } else {
            now + 900
        };
        let call = HubDepository::requestRebalanceCall {
            hub: self.setup.hub,
            token: self.setup.token,
            amount,
            maxFee: max_fee,
            deadline,
        };
        let receipt = send(
            &self.conns[i],
            "requestRebalance",
            self.setup.depository,
            &call,
        )
        .await?;
        let id = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| {
                RebalanceRequested::decode_log_data(l.data())
                    .ok()
                    .map(|e| e.id)
            })
            .ok_or_else(|| eyre!("requestRebalance emitted no RebalanceRequested"))?;
        self.open[i].push(Open {
            id,
            amount,
            max_fee,
            deadline,
        });
        self.stats.requests += 1;
        tracing::debug!(user = i, %id, amount = %units::format_decimal(amount, d, 2), "hub user asked for a top-up");
        Ok(())
    }

    async fn cancel(&mut self, i: usize) -> eyre::Result<()> {
        let k = self.rng.random_range(0..self.open[i].len());
        let o = self.open[i].swap_remove(k);
        let dep = HubDepository::new(self.setup.depository, &self.conns[i].provider);
        if dep
            .commitmentOf(o.id)
            .call()
            .await
            .map_err(|e| eyre!("commitmentOf: {e}"))?
            == B256::ZERO
        {
            return Ok(()); // served or expired meanwhile
        }
        let call = HubDepository::cancelRequestCall {
            id: o.id,
            hub: self.setup.hub,
            token: self.setup.token,
            amount: o.amount,
            maxFee: o.max_fee,
            deadline: o.deadline,
        };
        send(
            &self.conns[i],
            "cancelRequest",
            self.setup.depository,
            &call,
        )
        .await?;
        self.stats.cancels += 1;
        Ok(())
    }

    /// Signs a pull of [`PULL`] from the user's side when the account holds that much and no
    /// offer of the user is open; `false` when it cannot.
    async fn offer(&mut self, i: usize) -> eyre::Result<bool> {
        let (s, user) = (&self.setup, self.conns[i].from);
        let dep = HubDepository::new(s.depository, &self.conns[i].provider);
        let account = dep
            .accountOf(s.hub, user, s.token)
            .call()
            .await
            .map_err(|e| eyre!("accountOf: {e}"))?;
        let users_side = account.collateral.saturating_sub(account.hubShare);
        let pull = whole(PULL, s.decimals);
        if users_side < pull {
            return Ok(false);
        }
        let open = self
            .store
            .hub_offers(
                self.chain_id,
                s.depository,
                &[HubOfferState::Open, HubOfferState::Batched],
            )
            .await?;
        if open.iter().any(|o| o.user == user) {
            return Ok(false);
        }
        let nonce = dep
            .nonceOf(s.hub, user)
            .call()
            .await
            .map_err(|e| eyre!("nonceOf: {e}"))?;
        let delta = alloy::primitives::I256::try_from(pull).map_err(|e| eyre!("pull: {e}"))?;
        let diffs = vec![Diff {
            token: s.token,
            shareDelta: delta,
            pull,
        }];
        let digest = dep
            .settlementDigest(s.hub, user, s.hub, nonce, diffs)
            .call()
            .await
            .map_err(|e| eyre!("settlementDigest: {e}"))?;
        let sig = s.users[i]
            .sign_hash_sync(&digest)
            .map_err(|e| eyre!("signing: {e}"))?;
        let offer = HubPullOffer {
            chain_id: self.chain_id,
            depository: s.depository,
            hub: s.hub,
            user,
            nonce,
            diffs: vec![OfferDiff {
                token: s.token,
                share_delta: delta,
                pull,
            }],
            signature: sig.as_bytes().to_vec().into(),
            state: HubOfferState::Open,
            round: None,
            reason: None,
        };
        let reader = self.conns[i].provider.clone();
        if offers::add_offer(&reader, &self.store, s.depository, &offer).await? {
            self.stats.offers += 1;
        }
        Ok(true)
    }

    async fn now(&self) -> eyre::Result<u64> {
        let b = self.conns[0]
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| eyre!("eth_getBlockByNumber: {e}"))?
            .ok_or_else(|| eyre!("no latest block"))?;
        Ok(b.header.timestamp)
    }
}
