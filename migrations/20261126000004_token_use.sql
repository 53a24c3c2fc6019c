-- When a runtime token was last presented (epoch ms), written by each
-- instance from memory every 30 seconds and at shutdown: never on the
-- request path.
ALTER TABLE runtime_tokens ADD COLUMN last_used_at BIGINT;
