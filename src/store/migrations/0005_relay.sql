-- The relay (keeper [relay]): every published order the keeper sends to an order sink (the 1inch
-- Orderbook API, a webhook), one row per (chain, sink, order hash), written before the first
-- POST, so a restarted keeper sends each order to each sink once and resumes what was pending.

CREATE TABLE relay_sends (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id        INTEGER NOT NULL,
    sink            TEXT    NOT NULL,          -- the sink's name ([relay] sinks[i].name)
    order_hash      TEXT    NOT NULL,
    balancer        TEXT    NOT NULL,
    epoch           INTEGER NOT NULL,
    order_index     INTEGER NOT NULL,
    expiry          INTEGER NOT NULL,          -- unix s: never sent after it
    published_block INTEGER NOT NULL,
    payload         TEXT    NOT NULL,          -- the JSON body, exactly as posted
    state           TEXT    NOT NULL,          -- pending | delivered | refused | failed | expired
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at_ms      INTEGER NOT NULL,          -- a pending row is due from then
    status          INTEGER,                   -- the last HTTP status, if any
    response        TEXT,                      -- the last answer (body, or the transport's error)
    created_at_ms   INTEGER NOT NULL,
    done_at_ms      INTEGER,
    UNIQUE (chain_id, sink, order_hash)
);
CREATE INDEX relay_sends_due ON relay_sends (chain_id, state, next_at_ms);
