-- SIP connections, the current failover config of each inbound agent, and
-- every saved revision of it.

CREATE TABLE sip_connections (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sip_uri TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

-- One row per agent that has a saved action; `revision` grows by one per save.
CREATE TABLE failover_configs (
    agent_id TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    action_json TEXT NOT NULL,
    -- The SIP connection a transfer uses, so a connection in use can't be deleted.
    sip_connection_id TEXT REFERENCES sip_connections (id),
    updated_at BIGINT NOT NULL,
    updated_by_id TEXT,
    updated_by_label TEXT NOT NULL
);
CREATE INDEX failover_configs_by_account ON failover_configs (account_id);
CREATE INDEX failover_configs_by_connection ON failover_configs (sip_connection_id);

CREATE TABLE failover_revisions (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    action_json TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    saved_by_id TEXT,
    saved_by_label TEXT NOT NULL,
    restored_from BIGINT,
    PRIMARY KEY (agent_id, revision)
);
