-- One row, rewritten by each instance every few seconds: whether the
-- database takes writes (a SQLite file can stay readable when it can't be
-- written), reported by /readyz.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL
);
