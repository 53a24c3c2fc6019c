-- People in the browser: pending users (invited, no password yet), the last
-- sign-in, one-time links (invitations and password resets, stored hashed),
-- and sessions that know whose they are (to list them and end them).

ALTER TABLE users ADD COLUMN pending BIGINT NOT NULL DEFAULT 0 CHECK (pending IN (0, 1));
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;

-- Filled by the session store from the session's own data at each save.
ALTER TABLE sessions ADD COLUMN user_id TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN client_ip TEXT;
ALTER TABLE sessions ADD COLUMN signed_in_at BIGINT;
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- At most one live link per user and purpose: a new one replaces the old;
-- using or revoking one deletes it.
CREATE TABLE user_links (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Where an invitation lands (NULL: a staff invitation, or a reset).
    account_id TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (user_id, purpose)
);
CREATE INDEX user_links_by_account ON user_links (account_id);
CREATE INDEX user_links_by_expiry ON user_links (expires_at);
