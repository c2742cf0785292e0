-- Idempotency keys that survive a crash. A request holds its key for a lease (the request
-- timeout and a margin); a key whose holder died is taken over by the next retry once the lease
-- has run out. `applied_at` is written in the same transaction as the request's own work, so a
-- retry can tell "never applied" (run it again) from "applied, answer lost" (never run twice).

ALTER TABLE idempotency_keys ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN applied_at BIGINT;
