-- The funding job's top-ups (keeper::funding): one row per top-up decided, written before its
-- transaction exists (its work key carries a per-upkeep sequence), finished once from the
-- transaction's fate. At most one open (planned or sent) top-up per upkeep.
CREATE TABLE fundings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id       INTEGER NOT NULL,
    registry       TEXT    NOT NULL,
    upkeep_id      TEXT    NOT NULL,          -- decimal
    seq            INTEGER NOT NULL,          -- 1, 2, … per upkeep
    work           TEXT    NOT NULL UNIQUE,   -- fund/<chain>/<registry>/<upkeep>/<seq>
    sender         TEXT    NOT NULL,          -- the funding key
    token          TEXT    NOT NULL,          -- the upkeep's billing token
    native         INTEGER NOT NULL,          -- 1: addFunds with value; 0: LINK transferAndCall
    amount         TEXT    NOT NULL,          -- base units of the billing token
    balance_before TEXT    NOT NULL,
    min_balance    TEXT    NOT NULL,
    month          TEXT    NOT NULL,          -- the projected month
    month_source   TEXT    NOT NULL,          -- measured | modelled
    refill_at      TEXT    NOT NULL,
    target         TEXT    NOT NULL,
    timing         TEXT    NOT NULL,          -- urgent | now | off_peak | deadline | no_history
    gas_price      TEXT,                      -- the base fee when it was decided, wei
    state          TEXT    NOT NULL,          -- planned | sent | confirmed | failed
    tx_hash        TEXT,
    block          INTEGER,
    gas_used       INTEGER,
    reason         TEXT,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    UNIQUE (chain_id, registry, upkeep_id, seq)
);
CREATE UNIQUE INDEX fundings_one_open ON fundings (chain_id, registry, upkeep_id)
    WHERE state IN ('planned', 'sent');
CREATE INDEX fundings_by_time ON fundings (chain_id, created_at_ms);
