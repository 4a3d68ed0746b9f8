//! The devnet's taker against the real 1inch protocol on a fresh anvil: a drifted demo balancer
//! publishes a bundle; while its auction is above the oracle the taker leaves it; from mid-life
//! on it fills every order at the balancer's price of that block (`getTakingAmount`), through
//! `fillContractOrderArgs` with the balancer's extension, and the portfolio is back inside its
//! band.

use alloy::{
    primitives::{Address, Bytes, I256, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::{Filter, TransactionRequest},
    sol_types::{SolCall, SolEvent},
};
use onebalancer::{
    chain::multicall::Multicall,
    chain::{
        Connection,
        bindings::MockV3Aggregator,
        ours::{Balancer, TestERC20},
        provider::FEED_UPDATE_GAS,
    },
    deploy::{Deployer, config::DeployConfig, manifest::Manifest, plan},
    devnet::{demo, record::DemoRecord, taker::Taker},
    keeper::{
        collect::logs::LogsCollector,
        config::{Mode, TargetSpec},
        targets::sync,
    },
    model::drift,
    store::Store,
};

use crate::support::*;

#[tokio::test]
async fn the_taker_waits_for_the_auction_to_cross_the_oracle_then_fills_every_order() {
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
    let lop = manifest.address("limit_order_protocol").unwrap();
    let drift = demo.balancers[0].address;
    let b = Balancer::new(drift, &conn.provider);

    // WBTC +10 %: past the 2 % band; the deployer is still the balancer's forwarder
    let call = MockV3Aggregator::updateAnswerCall {
        _answer: I256::try_from(6_600_000_000_000i64).unwrap(),
    };
    conn.call_with_gas(
        "WBTC +10 %",
        demo.assets[2].feed,
        call.abi_encode().into(),
        FEED_UPDATE_GAS,
    )
    .await
    .unwrap();
    let check = Balancer::checkUpkeepCall(Bytes::new());
    let raw = conn
        .provider
        .call(
            TransactionRequest::default()
                .from(Address::ZERO)
                .to(drift)
                .input(check.abi_encode().into()),
        )
        .await
        .unwrap();
    let needed = Balancer::checkUpkeepCall::abi_decode_returns(&raw).unwrap();
    assert!(needed.upkeepNeeded);
    let perform = Balancer::performUpkeepCall {
        performData: needed.performData,
    };
    let from = conn.provider.get_block_number().await.unwrap();
    conn.call("perform", drift, perform.abi_encode().into())
        .await
        .unwrap();
    let logs = conn
        .provider
        .get_logs(
            &Filter::new()
                .address(drift)
                .event_signature(Balancer::OrdersPublished::SIGNATURE_HASH)
                .from_block(from),
        )
        .await
        .unwrap();
    let published = Balancer::OrdersPublished::decode_log_data(logs[0].data()).unwrap();
    let orders = published.orders.len() as u64;
    assert!(orders > 0);
    let before = b.balances().call().await.unwrap();

    let mut taker = Taker::new(connect(&chain, 1).await, lop, &demo, from);
    // the perform's block: the auction starts 30 bp above the oracle, nobody gains by filling
    taker.step().await.unwrap();
    assert_eq!(taker.stats.fills, 0, "{:?}", taker.stats);
    assert!(taker.stats.unprofitable >= orders, "{:?}", taker.stats);
    assert_eq!(b.balances().call().await.unwrap(), before, "nothing booked");

    // six of its ten minutes later the auction is below the oracle: every order is filled
    conn.provider.anvil_increase_time(360).await.unwrap();
    conn.provider.anvil_mine(Some(1), None).await.unwrap();
    taker.step().await.unwrap();
    assert_eq!(taker.stats.fills, orders, "{:?}", taker.stats);
    assert_eq!(taker.stats.failed, 0, "{:?}", taker.stats);
    let after = b.balances().call().await.unwrap();
    assert!(after[2] < before[2], "WBTC, the overweight asset, was sold");
    for (i, a) in demo.assets.iter().enumerate() {
        let token = TestERC20::new(a.token, &conn.provider);
        assert_eq!(
            token.balanceOf(drift).call().await.unwrap(),
            after[i],
            "tracked == held ({})",
            a.symbol
        );
    }
    // every fill paid between the floor (oracle - 30 bp) and the oracle, at this block's prices
    let fills = conn
        .provider
        .get_logs(
            &Filter::new()
                .address(drift)
                .event_signature(Balancer::Filled::SIGNATURE_HASH)
                .from_block(from),
        )
        .await
        .unwrap();
    assert_eq!(fills.len() as u64, orders);
    for (k, l) in fills.iter().enumerate() {
        let f = Balancer::Filled::decode_log_data(l.data()).unwrap();
        let fields = drift::salt_fields(published.orders[k].salt);
        let got = usd(&conn, &demo, fields.sell, f.makingAmount).await;
        let paid = usd(&conn, &demo, fields.buy, f.takingAmount).await;
        assert!(
            paid <= got,
            "order {k}: paid {paid} for {got}: above the oracle"
        );
        let floor = got * U256::from(9_970u32) / U256::from(10_000u32);
        assert!(
            paid + U256::from(10u8).pow(U256::from(18u8)) >= floor,
            "order {k}: below its floor"
        );
    }

    // The keeper's log collector values each fill at the oracle of its block (`fill_quotes`,
    // what `onebalancer report` averages): the same figure as computed here from the feeds.
    let store = Store::open_in_memory().await.unwrap();
    let head = conn.provider.get_block_number().await.unwrap();
    let multicall = Multicall::new(
        conn.provider.clone(),
        manifest.address("multicall3").unwrap(),
        30_000_000,
    );
    let spec = TargetSpec {
        address: drift,
        kind: None,
        name: "drift".into(),
        mode: Mode::Fallback,
        grace_blocks: 0,
        upkeep_id: None,
        origin: "test".into(),
    };
    let targets = sync(&multicall, vec![spec], Address::ZERO, head)
        .await
        .unwrap();
    let collector = LogsCollector::new(
        conn.provider.clone(),
        store.clone(),
        conn.chain_id,
        Address::ZERO,
        None,
        None,
        &targets,
    );
    collector.start_at(from).await.unwrap();
    assert_eq!(collector.poll(head).await.unwrap().fills, orders);
    let valued = store.report_fills(conn.chain_id, 0).await.unwrap();
    assert_eq!(valued.len() as u64, orders);
    for (k, l) in fills.iter().enumerate() {
        let f = Balancer::Filled::decode_log_data(l.data()).unwrap();
        let fields = drift::salt_fields(published.orders[k].salt);
        let gave = usd(&conn, &demo, fields.sell, f.makingAmount).await;
        let got = usd(&conn, &demo, fields.buy, f.takingAmount).await;
        // rounded toward zero; a fill at or below the oracle is 0 to -30 bp
        let bps = -i64::try_from((gave - got) * U256::from(10_000u32) / gave).unwrap();
        assert_eq!(valued[k].vs_oracle_bps, Some(bps), "order {k}");
        assert!((-30..=0).contains(&bps), "order {k}: {bps} bp");
        println!("fill {k}: {bps} bp against the oracle");
    }
}

/// USD (18 decimals) of `amount` of demo asset `i` at its feed's latest answer.
async fn usd(conn: &Connection, d: &DemoRecord, i: usize, amount: U256) -> U256 {
    let a = &d.assets[i];
    let answer = MockV3Aggregator::new(a.feed, &conn.provider)
        .latestAnswer()
        .call()
        .await
        .unwrap();
    drift::value(amount, answer.into_raw(), u32::from(a.decimals) + 8).unwrap()
}
