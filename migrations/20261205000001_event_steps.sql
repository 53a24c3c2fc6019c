-- Which route of the plan ran, and which of its steps (SPEC §8): reported
-- by runtimes that know plans; absent for a v1 runtime.
ALTER TABLE failover_events ADD COLUMN route TEXT;
ALTER TABLE failover_events ADD COLUMN step INTEGER;
