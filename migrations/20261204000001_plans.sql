-- Failover plans (SPEC §8): business hours, what each saved plan uses, and
-- emergency mode. Plans are stored in failover_configs.action_json and
-- failover_revisions.action_json as {"routes": …}; a v1 action stored alone
-- still reads as a one-step plan.

CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The domain's Schedule: name, timezone, weekly, closures.
    schedule_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

-- The SIP connections (kind 'sip') and schedules (kind 'schedule') an agent's
-- saved plan uses: what is in use can't be deleted, and a change to it
-- changes the agent's runtime document.
CREATE TABLE failover_uses (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    PRIMARY KEY (agent_id, kind, ref_id)
);
CREATE INDEX failover_uses_by_ref ON failover_uses (kind, ref_id);
INSERT INTO failover_uses (agent_id, kind, ref_id)
    SELECT agent_id, 'sip', sip_connection_id FROM failover_configs
    WHERE sip_connection_id IS NOT NULL;

-- An account's emergency mode while it is on (the row goes when it ends; the
-- audit log keeps its start and end).
CREATE TABLE emergencies (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    action_json TEXT NOT NULL,
    -- The SIP connection a transfer goes through, for its name and URI.
    sip_connection_id TEXT REFERENCES sip_connections (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    started_by_label TEXT NOT NULL
);
CREATE INDEX emergencies_by_end ON emergencies (ends_at);
