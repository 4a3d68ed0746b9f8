//! Band decisions (holds final, one open change per balancer) and drift samples.

use alloy::primitives::{Address, B256};

use super::CHAIN;
use crate::store::*;

fn decision(change: bool) -> NewBandChange {
    NewBandChange {
        chain_id: CHAIN,
        target: Address::repeat_byte(0xba),
        change,
        reason: if change { "calm" } else { "hold" }.into(),
        old_bands: "200/175/100/50".into(),
        new_bands: if change {
            "250/225/100/50"
        } else {
            "200/175/100/50"
        }
        .into(),
        base_trigger_bps: if change { 250 } else { 200 },
        observations: "{\"samples\":3}".into(),
    }
}

#[tokio::test]
async fn holds_are_final_and_one_change_is_open_per_balancer() {
    let store = Store::open_in_memory().await.unwrap();
    let hold = store
        .band_decision(&decision(false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (hold.state, hold.work.clone(), hold.seq),
        (BandChangeState::Held, None, 1)
    );
    let change = store.band_decision(&decision(true)).await.unwrap().unwrap();
    assert_eq!(change.state, BandChangeState::Planned);
    assert_eq!(
        change.work.as_deref(),
        Some(format!("bands/{CHAIN}/{:#x}/2", Address::repeat_byte(0xba)).as_str())
    );
    assert_eq!(change.change, decision(true));
    assert_eq!(
        store.band_decision(&decision(true)).await.unwrap(),
        None,
        "a second change while one is open"
    );
    store.band_change_sent(change.id).await.unwrap();
    store
        .band_change_finished(
            change.id,
            BandChangeState::Confirmed,
            Some(B256::repeat_byte(1)),
            Some(9),
            None,
        )
        .await
        .unwrap();
    store
        .band_change_finished(change.id, BandChangeState::Failed, None, None, Some("late"))
        .await
        .unwrap();
    let all = store.band_changes(CHAIN).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[1].state,
        BandChangeState::Confirmed,
        "finishing twice changes nothing"
    );
    assert_eq!((all[1].block, all[1].failure.clone()), (Some(9), None));
    assert_eq!(
        store
            .band_decision(&decision(true))
            .await
            .unwrap()
            .unwrap()
            .seq,
        3
    );
}

#[tokio::test]
async fn drift_samples_come_back_in_time_order_from_a_given_second() {
    let store = Store::open_in_memory().await.unwrap();
    let target = Address::repeat_byte(0xba);
    for (at_s, drift, vol) in [
        (20, 150, None),
        (10, 90, Some(0.4)),
        (30, 260, Some(f64::NAN)),
    ] {
        store
            .record_drift_sample(
                CHAIN,
                &DriftSample {
                    target,
                    block: at_s,
                    at_s,
                    drift_bps: drift,
                    band_bps: 200,
                    clear_bps: Some(120),
                    vol_annual: vol,
                },
            )
            .await
            .unwrap();
    }
    let s = store.drift_samples(CHAIN, target, 15).await.unwrap();
    assert_eq!(s.iter().map(|s| s.at_s).collect::<Vec<_>>(), vec![20, 30]);
    assert_eq!(s[1].vol_annual, None, "a non-finite estimate is not stored");
    let all = store.drift_samples(CHAIN, target, 0).await.unwrap();
    assert_eq!(all[0].vol_annual, Some(0.4));
    assert!(
        store
            .drift_samples(CHAIN, Address::ZERO, 0)
            .await
            .unwrap()
            .is_empty()
    );
}
