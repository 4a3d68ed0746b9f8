-- The adaptive-bands job (keeper::bands). Drift samples: a balancer's global drift against its
-- trigger band and its forecasts' volatility, recorded every `sample_secs` from the keeper's
-- scans. Band changes: one row per decision (a hold included, so the schedule survives
-- restarts); a change is written before its setBands transaction exists, at most one open per
-- balancer, and ends from that transaction.
CREATE TABLE drift_samples (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id      INTEGER NOT NULL,
    target        TEXT    NOT NULL,
    block         INTEGER NOT NULL,
    at_s          INTEGER NOT NULL,          -- the block's timestamp
    drift_bps     INTEGER NOT NULL,
    band_bps      INTEGER NOT NULL,
    vol_annual    REAL                       -- a forecast's estimate (a float: never money)
);
CREATE INDEX drift_samples_by_target ON drift_samples (chain_id, target, at_s);

CREATE TABLE band_changes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id          INTEGER NOT NULL,
    target            TEXT    NOT NULL,
    seq               INTEGER NOT NULL,
    work              TEXT    UNIQUE,          -- bands/<chain>/<target>/<seq>; none for a hold
    state             TEXT    NOT NULL,        -- held | planned | sent | confirmed | failed
    reason            TEXT    NOT NULL,        -- hold | calm | tracking_error | gas_spike, ...
    old_bands         TEXT    NOT NULL,        -- "drift/clear/stableDrift/stableClear"
    new_bands         TEXT    NOT NULL,
    base_trigger_bps  INTEGER NOT NULL,        -- the controller's base band after it
    observations      TEXT    NOT NULL,        -- JSON: what it was decided on
    tx_hash           TEXT,
    block             INTEGER,
    failure           TEXT,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    UNIQUE (chain_id, target, seq)
);
CREATE UNIQUE INDEX band_changes_one_open ON band_changes (chain_id, target)
    WHERE state IN ('planned', 'sent');
