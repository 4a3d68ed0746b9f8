//! The Rust DON simulator against the real registry 2.3 on a fresh anvil: demo balancers
//! registered through the registrar, drifted by their feed, performed through their forwarders
//! and charged exactly what the registry reports; a stopped DON performs nothing; underfunded
//! and cancelled upkeeps are reported by the registry's own check and not performed.

use alloy::{
    primitives::{Address, I256, U256},
    providers::Provider,
    sol_types::{SolCall, SolEvent},
};
use onebalancer::{
    chain::{
        Connection,
        anvil::LocalChain,
        bindings::{AutomationRegistry2_3, MockV3Aggregator},
        ours::Balancer,
        upkeep::{self, Automation, Billing, Registration},
    },
    deploy::{Deployer, config::DeployConfig, manifest::Manifest, plan},
    devnet::{
        demo,
        don::{Don, Due, FailureReason, SkipReason},
    },
    model::fees::registry::{BillingToken, PaymentParams, calculate_payment_amount},
};

use crate::support::*;

const GAS_LIMIT: u32 = 500_000;

/// The base fee of the block that mined `receipt`.
async fn receipt_base_fee(s: &Stack, receipt: &alloy::rpc::types::TransactionReceipt) -> u128 {
    let block = s
        .conn
        .provider
        .get_block_by_number(receipt.block_number.unwrap().into())
        .await
        .unwrap()
        .unwrap();
    u128::from(block.header.base_fee_per_gas.unwrap_or(0))
}

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

fn milli(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(15u64))
}

/// A fresh anvil with the stack deployed and the two demo balancers created and funded.
struct Stack {
    chain: LocalChain,
    conn: Connection,
    automation: Automation,
    drift: Address,
    time: Address,
    wbtc_feed: Address,
}

async fn stack() -> Stack {
    let chain = anvil();
    let project = built();
    let conn = connect(&chain, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let mut manifest = Manifest::new(conn.chain_id);
    let config = DeployConfig::default().with_chain_defaults(conn.chain_id);
    Deployer::new(&conn, &project.out_dir(), &path, false)
        .run(&plan::stack(), &config, &mut manifest)
        .await
        .unwrap();
    let demo = demo::create(&conn, &project.out_dir(), &manifest)
        .await
        .unwrap();
    let automation = Automation::read(
        &conn,
        manifest.address("registry").unwrap(),
        manifest.address("registrar").unwrap(),
    )
    .await
    .unwrap();
    Stack {
        drift: demo.balancers[0].address,
        time: demo.balancers[1].address,
        wbtc_feed: demo.assets[2].feed,
        chain,
        conn,
        automation,
    }
}

impl Stack {
    async fn don(&self) -> Don {
        let signers = (1..=4).map(|i| self.chain.dev_signer(i).unwrap()).collect();
        Don::connect(
            &self.chain.endpoint(),
            self.automation.registry,
            signers,
            self.chain.dev_signer(5).unwrap(),
        )
        .await
        .unwrap()
    }

    async fn register(&self, target: Address, billing: Billing, amount: U256) -> U256 {
        let reg = Registration {
            target,
            gas_limit: GAS_LIMIT,
            billing,
            amount,
            admin: self.conn.from,
            name: "e2e upkeep".into(),
            check_data: Default::default(),
        };
        upkeep::register_and_set_forwarder(&self.conn, &self.automation, &reg)
            .await
            .unwrap()
            .id
    }

    /// WBTC $60,000 → $66,000: both balancers drift past their 200 bps band.
    async fn move_wbtc(&self) {
        let call = MockV3Aggregator::updateAnswerCall {
            _answer: I256::try_from(6_600_000_000_000i64).unwrap(),
        };
        self.conn
            .call_with_gas(
                "WBTC +10 %",
                self.wbtc_feed,
                call.abi_encode().into(),
                onebalancer::chain::provider::FEED_UPDATE_GAS,
            )
            .await
            .unwrap();
    }

    async fn balance(&self, id: U256) -> U256 {
        upkeep::balance(&self.conn, &self.automation, id)
            .await
            .unwrap()
    }

    async fn epoch(&self, balancer: Address) -> u32 {
        Balancer::new(balancer, &self.conn.provider)
            .state()
            .call()
            .await
            .unwrap()
            .epoch
    }
}

#[tokio::test]
async fn don_performs_drifted_balancers_through_their_forwarders_and_charges_them() {
    let s = stack().await;
    let registry = AutomationRegistry2_3::new(s.automation.registry, &s.conn.provider);
    let drift_id = s.register(s.drift, Billing::Link, ether(5)).await;
    let time_id = s.register(s.time, Billing::Native, milli(50)).await;
    for (balancer, id) in [(s.drift, drift_id), (s.time, time_id)] {
        let forwarder = registry.getForwarder(id).call().await.unwrap();
        let b = Balancer::new(balancer, &s.conn.provider);
        assert_eq!(b.forwarder().call().await.unwrap(), forwarder);
        assert_ne!(forwarder, s.conn.from, "no longer the deployer");
    }
    assert_eq!(
        registry.getBillingToken(drift_id).call().await.unwrap(),
        s.automation.link
    );
    assert_eq!(
        registry.getBillingToken(time_id).call().await.unwrap(),
        s.automation.wrapped_native
    );
    assert_eq!(s.balance(drift_id).await, ether(5));
    assert_eq!(s.balance(time_id).await, milli(50));

    // Both funding paths add exactly what they send.
    upkeep::add_funds(&s.conn, &s.automation, drift_id, ether(1))
        .await
        .unwrap();
    upkeep::add_funds_native(&s.conn, &s.automation, time_id, milli(10))
        .await
        .unwrap();
    assert_eq!(s.balance(drift_id).await, ether(6));
    assert_eq!(s.balance(time_id).await, milli(60));

    let don = s.don().await;
    assert_eq!(don.active_upkeeps().await.unwrap(), vec![drift_id, time_id]);
    // Balanced: checked, nothing to do, nothing sent.
    let ids = [drift_id, time_id];
    let round = don.round(&ids).await.unwrap();
    assert_eq!(round.checks.len(), 2);
    assert!(round.checks.iter().all(|c| !c.needed));
    assert!(
        round
            .checks
            .iter()
            .all(|c| c.failure == FailureReason::UpkeepNotNeeded)
    );
    assert!(round.transmitted.is_none());

    s.move_wbtc().await;
    let before = [s.balance(drift_id).await, s.balance(time_id).await];
    let epochs = [s.epoch(s.drift).await, s.epoch(s.time).await];

    // Stopped: the round checks nothing and sends nothing.
    don.set_stopped(true);
    let nonce = s.conn.provider.get_transaction_count(don.transmitter());
    let nonce = nonce.await.unwrap();
    let round = don.round(&ids).await.unwrap();
    assert!(round.stopped && round.checks.is_empty() && round.transmitted.is_none());
    let again = s.conn.provider.get_transaction_count(don.transmitter());
    assert_eq!(again.await.unwrap(), nonce);
    assert_eq!(
        don.check(drift_id).await.unwrap().failure,
        FailureReason::None
    );
    assert!(don.check(drift_id).await.unwrap().needed, "still needed");
    assert_eq!(
        [s.balance(drift_id).await, s.balance(time_id).await],
        before
    );

    // Running again: one report performs both, through their forwarders.
    don.set_stopped(false);
    let round = don.round(&ids).await.unwrap();
    let sent = round.transmitted.clone().expect("a report was transmitted");
    assert_eq!(sent.performed.len(), 2, "{round:?}");
    assert!(sent.skipped.is_empty());
    for (p, (id, token)) in sent.performed.iter().zip([
        (drift_id, s.automation.link),
        (time_id, s.automation.wrapped_native),
    ]) {
        assert_eq!(p.id, id);
        assert!(p.success, "{p:?}");
        assert_eq!(p.billing_token, token);
        assert_eq!(p.total_payment, p.gas_charge + p.premium);
        assert!(p.gas_used > U256::from(50_000u64), "{p:?}");
    }
    for (i, (id, balancer)) in [(drift_id, s.drift), (time_id, s.time)].iter().enumerate() {
        let charged = sent.performed[i].total_payment;
        assert_eq!(s.balance(*id).await, before[i] - charged, "upkeep {id}");
        assert_eq!(s.epoch(*balancer).await, epochs[i] + 1, "{balancer}");
    }
    // The balancers' own perform events are in the transmit transaction.
    let receipt = s
        .conn
        .provider
        .get_transaction_receipt(sent.tx)
        .await
        .unwrap()
        .unwrap();
    let profiles: Vec<Address> = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| Balancer::OrdersPublished::decode_log_data(l.data()).is_ok())
        .map(|l| l.address())
        .collect();
    assert_eq!(profiles, vec![s.drift, s.time]);
    // The charge is the pure model's `_calculatePaymentAmount`, to the wei, at the transmit's
    // gas price (the fast-gas feed's 1 gwei, the price the simulated DON bids).
    let defaults = DeployConfig::default();
    for (p, token_usd) in sent
        .performed
        .iter()
        .zip([defaults.feeds.link_usd, defaults.feeds.native_usd])
    {
        let params = PaymentParams {
            gas_limit: p.gas_used,
            gas_overhead: p.gas_overhead,
            l1_cost_wei: U256::ZERO,
            fast_gas_wei: U256::from(defaults.feeds.fast_gas_wei),
            gas_ceiling_multiplier: defaults.registry.gas_ceiling_multiplier,
            tx_gas_price: Some(U256::from(receipt.effective_gas_price)),
            link_usd: U256::from(defaults.feeds.link_usd),
            native_usd: U256::from(defaults.feeds.native_usd),
            token: BillingToken {
                decimals: 18,
                gas_fee_ppb: defaults.registry.gas_fee_ppb,
                flat_fee_milli_cents: defaults.registry.flat_fee_milli_cents,
                price_usd: U256::from(token_usd),
            },
        };
        let expected = calculate_payment_amount(&params).unwrap();
        assert_eq!(
            (expected.gas_charge, expected.premium),
            (p.gas_charge, p.premium),
            "upkeep {}",
            p.id
        );
    }
    assert_eq!(
        receipt.effective_gas_price,
        1_000_000_000 + receipt_base_fee(&s, &receipt).await
    );
    let p = &sent.performed[0];
    println!(
        "DON round: {} ms; transmit of 2 upkeeps {} gas; drift upkeep: perform gas {}, overhead {}, charged {} LINK-wei",
        round.elapsed.as_millis(),
        sent.tx_gas_used,
        p.gas_used,
        p.gas_overhead,
        p.total_payment
    );

    // The bundles are open: nothing is needed and nothing is sent.
    let round = don.round(&ids).await.unwrap();
    assert!(round.transmitted.is_none(), "{round:?}");
}

#[tokio::test]
async fn underfunded_and_cancelled_upkeeps_are_reported_by_the_registry_and_not_performed() {
    let s = stack().await;
    // The registrar's minimum, 0.1 LINK, is far below the most a 500k-gas perform may cost.
    let poor = s.register(s.drift, Billing::Link, milli(100)).await;
    let gone = s.register(s.time, Billing::Native, milli(50)).await;
    s.move_wbtc().await;
    let don = s.don().await;

    let check = don.check(poor).await.unwrap();
    assert_eq!(check.failure, FailureReason::InsufficientBalance);
    assert!(!check.needed);
    let round = don.round(&[poor]).await.unwrap();
    assert!(round.transmitted.is_none());
    assert_eq!(s.balance(poor).await, milli(100));
    let epoch = s.epoch(s.drift).await;

    // Topped up the ERC-677 way, it is performed.
    upkeep::transfer_and_call(&s.conn, &s.automation, poor, ether(5))
        .await
        .unwrap();
    assert_eq!(s.balance(poor).await, milli(100) + ether(5));
    let round = don.round(&[poor]).await.unwrap();
    assert_eq!(round.performed().len(), 1);
    assert_eq!(s.epoch(s.drift).await, epoch + 1);

    // Cancelled by the registry owner (the deployer): effective at once.
    let registry = AutomationRegistry2_3::new(s.automation.registry, &s.conn.provider);
    let cancel = AutomationRegistry2_3::cancelUpkeepCall { id: gone };
    s.conn
        .call(
            "cancelUpkeep",
            s.automation.registry,
            cancel.abi_encode().into(),
        )
        .await
        .unwrap();
    let check = don.check(gone).await.unwrap();
    assert_eq!(check.failure, FailureReason::UpkeepCancelled);
    assert_eq!(don.active_upkeeps().await.unwrap(), vec![poor]);
    let round = don.round(&[gone]).await.unwrap();
    assert!(round.transmitted.is_none());
    // Even a report sent anyway is refused by the registry: no perform, no charge.
    let data = Balancer::new(s.time, &s.conn.provider)
        .checkUpkeep(Default::default())
        .from(Address::ZERO)
        .call()
        .await
        .unwrap();
    assert!(data.upkeepNeeded);
    let balance = s.balance(gone).await;
    let epoch = s.epoch(s.time).await;
    let sent = don
        .transmit(&[Due {
            id: gone,
            perform_data: data.performData,
            gas_limit: U256::from(GAS_LIMIT),
        }])
        .await
        .unwrap();
    assert!(sent.performed.is_empty());
    assert_eq!(sent.skipped.len(), 1);
    assert_eq!(sent.skipped[0].reason, SkipReason::Cancelled);
    assert_eq!(s.balance(gone).await, balance);
    assert_eq!(s.epoch(s.time).await, epoch);
    assert_eq!(
        registry
            .getUpkeep(gone)
            .call()
            .await
            .unwrap()
            .lastPerformedBlockNumber,
        0
    );
}

#[tokio::test]
async fn a_don_without_the_registry_keys_is_refused_with_the_fix() {
    let s = stack().await;
    let url = s.chain.endpoint();
    let signer = |i| s.chain.dev_signer(i).unwrap();
    let err = Don::connect(&url, s.automation.registry, vec![signer(1)], signer(5))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("f + 1 = 2"), "{err}");
    let err = Don::connect(
        &url,
        s.automation.registry,
        vec![signer(9), signer(1)],
        signer(5),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("not an active signer") && err.contains("anvil accounts 1–4"),
        "{err}"
    );
    let err = Don::connect(
        &url,
        s.automation.registry,
        vec![signer(1), signer(2)],
        signer(0),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("not an active transmitter"), "{err}");
    // Below the registrar's minimum: refused before anything is sent.
    let nonce = s.conn.nonce().await.unwrap();
    let reg = Registration {
        target: s.drift,
        gas_limit: GAS_LIMIT,
        billing: Billing::Link,
        amount: milli(1),
        admin: s.conn.from,
        name: "too small".into(),
        check_data: Default::default(),
    };
    let err = upkeep::register(&s.conn, &s.automation, &reg)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("below the registrar's minimum"), "{err}");
    assert_eq!(s.conn.nonce().await.unwrap(), nonce);
}
