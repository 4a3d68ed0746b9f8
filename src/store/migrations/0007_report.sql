-- Telemetry for `onebalancer report`, recorded by the keeper's log collector and funding job.
--
-- charges: each registry 2.3 charge of a served upkeep (`UpkeepCharged`) with every input the
-- registry billed it on, so the report can model the same charge from the same inputs and show
-- how far the model is from what was measured. Amounts are base units of the billing token.
CREATE TABLE charges (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id               INTEGER NOT NULL,
    block                  INTEGER NOT NULL,
    at_s                   INTEGER NOT NULL,   -- the block's timestamp
    tx_hash                TEXT    NOT NULL,
    log_index              INTEGER NOT NULL,
    registry               TEXT    NOT NULL,
    upkeep_id              TEXT    NOT NULL,   -- decimal
    target                 TEXT    NOT NULL,   -- the balancer or manager the upkeep performs
    token                  TEXT    NOT NULL,   -- the billing token
    gas_charge             TEXT    NOT NULL,   -- measured: gasChargeInBillingToken
    premium                TEXT    NOT NULL,   -- measured: premiumInBillingToken
    gas_used               TEXT    NOT NULL,   -- UpkeepPerformed.gasUsed
    gas_overhead           TEXT    NOT NULL,   -- UpkeepPerformed.gasOverhead
    tx_gas_price           TEXT    NOT NULL,   -- the transmit's effective gas price, wei
    fast_gas_wei           TEXT    NOT NULL,   -- the report's fastGasWei
    gas_ceiling_multiplier INTEGER NOT NULL,   -- the registry's, at the block
    link_usd               TEXT    NOT NULL,   -- 8 decimals, from the receipt
    native_usd             TEXT    NOT NULL,
    billing_usd            TEXT    NOT NULL,
    decimals               INTEGER NOT NULL,   -- the billing token's config at the block
    gas_fee_ppb            INTEGER NOT NULL,   -- (the upkeep's override when it has one)
    flat_fee_milli_cents   INTEGER NOT NULL,
    created_at_ms          INTEGER NOT NULL,
    UNIQUE (chain_id, tx_hash, log_index)
);
CREATE INDEX charges_by_target ON charges (chain_id, target, block);

-- A fill valued at the balancer's oracle prices of its block: what the balancer gave and what it
-- received (the taker asset's Transfer to it in the fill's transaction), in USD with 18
-- decimals (rounded down), and the difference in bp of what it gave (positive: the balancer
-- received more than the oracle value; rounded toward zero).
CREATE TABLE fill_quotes (
    chain_id      INTEGER NOT NULL,
    tx_hash       TEXT    NOT NULL,
    log_index     INTEGER NOT NULL,
    balancer      TEXT    NOT NULL,
    block         INTEGER NOT NULL,
    taker_asset   TEXT    NOT NULL,
    gave_usd      TEXT    NOT NULL,
    got_usd       TEXT    NOT NULL,
    vs_oracle_bps INTEGER NOT NULL,
    PRIMARY KEY (chain_id, tx_hash, log_index)
);

-- The funding job's reading of an upkeep whenever it changed: balance, minimum, projected month
-- and the refill threshold (base units of the billing token).
CREATE TABLE upkeep_samples (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id    INTEGER NOT NULL,
    registry    TEXT    NOT NULL,
    upkeep_id   TEXT    NOT NULL,
    block       INTEGER NOT NULL,
    at_s        INTEGER NOT NULL,
    token       TEXT    NOT NULL,
    balance     TEXT    NOT NULL,
    min_balance TEXT    NOT NULL,
    month       TEXT    NOT NULL,
    refill_at   TEXT    NOT NULL
);
CREATE INDEX upkeep_samples_by_upkeep ON upkeep_samples (chain_id, registry, upkeep_id, block);

-- The clear band beside the trigger band in each drift sample (NULL in samples taken before).
ALTER TABLE drift_samples ADD COLUMN clear_bps INTEGER;
