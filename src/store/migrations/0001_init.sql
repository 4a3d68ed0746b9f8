-- The keeper store's first schema. Addresses and hashes are lowercase 0x hex TEXT, U256 and u128
-- values decimal TEXT, raw transactions and calldata BLOB, u64 values INTEGER (checked to fit),
-- timestamps unix milliseconds. Enum columns hold the `as_str` forms and are checked on read.

-- One nonce counter per (chain, sender): the next nonce the keeper will use. Never lowered.
CREATE TABLE nonces (
    chain_id      INTEGER NOT NULL,
    sender        TEXT    NOT NULL,
    next_nonce    INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (chain_id, sender)
);

-- One row per transaction the keeper created: a piece of `work` at one nonce.
CREATE TABLE txs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id      INTEGER NOT NULL,
    sender        TEXT    NOT NULL,
    nonce         INTEGER NOT NULL,
    work          TEXT    NOT NULL,
    work_key      TEXT    NOT NULL UNIQUE,   -- "{work}#{n}": the n-th try at this work
    kind          TEXT    NOT NULL,          -- perform | noop
    to_address    TEXT    NOT NULL,
    data          BLOB    NOT NULL,
    value         TEXT    NOT NULL,
    gas_limit     INTEGER NOT NULL,
    state         TEXT    NOT NULL,          -- pending | confirmed | reverted | cancelled | failed
    created_block INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    final_block   INTEGER,
    final_hash    TEXT,
    gas_used      INTEGER,
    label         TEXT    NOT NULL,
    UNIQUE (chain_id, sender, nonce)
);
CREATE INDEX txs_by_work ON txs (work);
CREATE INDEX txs_by_sender_state ON txs (chain_id, sender, state, nonce);
-- The idempotency rule, enforced by the database too: at most one live (pending or confirmed)
-- transaction per piece of work.
CREATE UNIQUE INDEX txs_one_live_per_work ON txs (work) WHERE state IN ('pending', 'confirmed');

-- Every signed envelope for a transaction (original, fee bumps, cancels), stored before broadcast.
CREATE TABLE attempts (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    tx_id                    INTEGER NOT NULL REFERENCES txs (id),
    hash                     TEXT    NOT NULL UNIQUE,
    raw                      BLOB    NOT NULL,
    purpose                  TEXT    NOT NULL,  -- original | bump | cancel
    max_fee_per_gas          TEXT    NOT NULL,
    max_priority_fee_per_gas TEXT    NOT NULL,
    state                    TEXT    NOT NULL,  -- signed | broadcast | error
    broadcasts               INTEGER NOT NULL DEFAULT 0,
    created_block            INTEGER NOT NULL,
    last_broadcast_block     INTEGER,
    error                    TEXT,
    created_at_ms            INTEGER NOT NULL
);
CREATE INDEX attempts_by_tx ON attempts (tx_id, id);

-- Work the keeper did not send because a live transaction already covers it.
CREATE TABLE refusals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id      INTEGER NOT NULL,
    work          TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    block         INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX refusals_by_chain ON refusals (chain_id);

-- A balancer's perform, from its logs (whoever sent it). One row per log.
CREATE TABLE performs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id           INTEGER NOT NULL,
    block              INTEGER NOT NULL,
    tx_hash            TEXT    NOT NULL,
    log_index          INTEGER NOT NULL,
    target             TEXT    NOT NULL,
    via                TEXT,
    source             TEXT    NOT NULL,  -- chainlink | keeper | cre | other
    paths              INTEGER NOT NULL,
    bitmap             INTEGER NOT NULL,
    gas_used           INTEGER NOT NULL,
    drift_before_bps   INTEGER NOT NULL,
    expected_after_bps INTEGER NOT NULL,
    order_count        INTEGER NOT NULL,
    epoch              INTEGER,
    upkeep_id          TEXT,
    charge             TEXT,
    charge_token       TEXT,
    created_at_ms      INTEGER NOT NULL,
    UNIQUE (chain_id, tx_hash, log_index)
);
CREATE INDEX performs_by_epoch ON performs (chain_id, target, epoch);

-- An upkeep manager's fleet round, from its logs. One row per log.
CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id      INTEGER NOT NULL,
    block         INTEGER NOT NULL,
    tx_hash       TEXT    NOT NULL,
    log_index     INTEGER NOT NULL,
    manager       TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    performed     INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    deferred      INTEGER NOT NULL,
    next_cursor   INTEGER NOT NULL,
    upkeep_id     TEXT,
    charge        TEXT,
    charge_token  TEXT,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (chain_id, tx_hash, log_index)
);

-- A filled order of a balancer, from its logs. One row per log.
CREATE TABLE fills (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id      INTEGER NOT NULL,
    block         INTEGER NOT NULL,
    tx_hash       TEXT    NOT NULL,
    log_index     INTEGER NOT NULL,
    balancer      TEXT    NOT NULL,
    order_hash    TEXT    NOT NULL,
    maker_asset   TEXT    NOT NULL,
    making        TEXT    NOT NULL,
    taking        TEXT    NOT NULL,
    taker         TEXT,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (chain_id, tx_hash, log_index)
);

-- Something that went wrong: a simulation, an estimate, a broadcast, an on-chain revert, ...
CREATE TABLE failures (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id      INTEGER NOT NULL,
    block         INTEGER,
    target        TEXT,
    stage         TEXT    NOT NULL,  -- simulate | estimate | broadcast | onchain | member | rpc
    error         TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    tx_hash       TEXT,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX failures_by_chain ON failures (chain_id, stage, error);

-- Where each log reader stopped, so a restarted keeper resumes there.
CREATE TABLE cursors (
    chain_id      INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    block         INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (chain_id, name)
);
