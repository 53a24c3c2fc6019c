-- The runtime API: a global change sequence (so runtimes and other Relais
-- instances can follow what changed), runtime tokens and failover events.

-- One counter per stream. A writer takes the row lock with its UPDATE and keeps
-- it until commit, so sequence numbers become visible in commit order: a reader
-- that has seen N never misses a later commit numbered N or less.
CREATE TABLE change_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('runtime', 1);

-- Every agent's runtime document carries the sequence number of its last change.
ALTER TABLE agents ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE agents ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
UPDATE agents SET changed_at = updated_at;
CREATE INDEX agents_by_change ON agents (change_seq, id);

-- Runtime API tokens: only a hash of the secret is kept.
CREATE TABLE runtime_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- The first characters of the token, shown in lists to recognise it.
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    -- Comma-separated: runtime:read, runtime:events.
    scopes TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    created_by_label TEXT NOT NULL,
    revoked_at BIGINT,
    revoked_by_label TEXT,
    change_seq BIGINT NOT NULL
);
CREATE INDEX runtime_tokens_by_change ON runtime_tokens (change_seq);

-- What runtimes report: one row per failover that happened on a call.
CREATE TABLE failover_events (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    call_id TEXT NOT NULL,
    cause TEXT NOT NULL,
    action_type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    token_id TEXT,
    -- A runtime that retries a report doesn't count the call twice.
    UNIQUE (agent_id, call_id)
);
CREATE INDEX failover_events_by_account ON failover_events (account_id, occurred_at);
CREATE INDEX failover_events_by_time ON failover_events (occurred_at);
