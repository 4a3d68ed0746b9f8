-- The hub's requests and batches (HubDepository): requests indexed from the depository's logs,
-- batches written before they are sent, so a restarted hub keeper resumes where it stopped and
-- never serves a request twice. Same conventions as 0001 (addresses lowercase 0x hex, U256
-- decimal TEXT, u64 INTEGER, timestamps unix ms; block times unix seconds).

-- One row per request the depository emitted (RebalanceRequested).
CREATE TABLE hub_requests (
    chain_id        INTEGER NOT NULL,
    depository      TEXT    NOT NULL,
    id              TEXT    NOT NULL,        -- the request id, decimal
    user            TEXT    NOT NULL,
    token           TEXT    NOT NULL,
    amount          TEXT    NOT NULL,        -- base units
    max_fee         TEXT    NOT NULL,
    deadline        INTEGER NOT NULL,        -- unix s
    requested_at    INTEGER NOT NULL,        -- the request's block time, unix s
    requested_block INTEGER NOT NULL,
    state           TEXT    NOT NULL,        -- pending | batched | settled | cancelled | expired
    round           TEXT,                    -- the batch round that holds or served it
    fee             TEXT,                    -- planned (batched) or paid (settled)
    settled_at      INTEGER,                 -- unix s
    settled_block   INTEGER,
    skip_code       TEXT,                    -- why the last plan left it out (while pending)
    skip_detail     TEXT,
    updated_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (chain_id, depository, id)
);
CREATE INDEX hub_requests_by_state ON hub_requests (chain_id, depository, state);

-- One row per batch the hub keeper planned: written (with its requests marked batched) before
-- the transaction exists, finished once from the transaction's fate.
CREATE TABLE hub_batches (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id      INTEGER NOT NULL,
    depository    TEXT    NOT NULL,
    work          TEXT    NOT NULL,          -- the transaction manager's work key (per round)
    round         TEXT    NOT NULL,
    state         TEXT    NOT NULL,          -- planned | sent | settled | failed
    requests      TEXT    NOT NULL,          -- JSON array of request ids (decimal strings)
    pushes        INTEGER NOT NULL,
    pulls         INTEGER NOT NULL,
    fees          TEXT    NOT NULL,          -- JSON object: token -> total fees (decimal)
    gas_used      INTEGER,
    gas_price     TEXT,                      -- effective wei per gas
    tx_hash       TEXT,
    block         INTEGER,
    reason        TEXT,                      -- why it failed
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
-- At most one open (planned or sent) batch per depository: the keeper sends one at a time.
CREATE UNIQUE INDEX hub_batches_one_open ON hub_batches (chain_id, depository)
    WHERE state IN ('planned', 'sent');
CREATE INDEX hub_batches_by_state ON hub_batches (chain_id, depository, state);
