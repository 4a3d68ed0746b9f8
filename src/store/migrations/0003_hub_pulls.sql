-- The gas price a batch's fees were planned at (its fees are the quote at that price).
ALTER TABLE hub_batches ADD COLUMN planned_gas_price TEXT;

-- Pull before push: settlements the hub's users signed that let the hub pull its own share of
-- their account back into its reserve (HubDepository.settleBatch applies them before its
-- pushes). Kept until a batch uses them, or until the account's nonce passes them.

CREATE TABLE hub_pull_offers (
    chain_id      INTEGER NOT NULL,
    depository    TEXT    NOT NULL,
    hub           TEXT    NOT NULL,          -- the account's hub, who pulls
    user          TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,          -- the account's settlement nonce, decimal
    diffs         TEXT    NOT NULL,          -- JSON array of {token, share_delta, pull} (decimal)
    signature     TEXT    NOT NULL,          -- 0x hex, the user's EIP-712 signature
    state         TEXT    NOT NULL,          -- open | batched | used | stale
    round         TEXT,                      -- the batch round that holds or used it
    reason        TEXT,                      -- why it went stale
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (chain_id, depository, hub, user, nonce)
);
CREATE INDEX hub_pull_offers_by_state ON hub_pull_offers (chain_id, depository, state);
