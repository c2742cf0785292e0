-- Idempotency keys of API requests that create something: the first answer is kept for a day
-- and given again to a retry with the same key, so a retried POST never creates twice.

CREATE TABLE idempotency_keys (
    user_id       BIGINT  NOT NULL REFERENCES users (id),
    key           TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    status        BIGINT  NOT NULL,
    content_type  TEXT,
    body          TEXT,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
