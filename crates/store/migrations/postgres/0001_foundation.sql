-- Foundation: institutions, users and roles, sessions, login failures, the audit trail.
-- Instants are BIGINT microseconds since the Unix epoch, UTC.

CREATE TABLE institutions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE users (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             TEXT    NOT NULL UNIQUE,
    display_name         TEXT,
    institution_id       BIGINT  NOT NULL REFERENCES institutions (id),
    password_hash        TEXT    NOT NULL,
    created_at           BIGINT  NOT NULL,
    password_changed_at  BIGINT  NOT NULL
);
CREATE INDEX users_institution ON users (institution_id);

CREATE TABLE user_roles (
    user_id  BIGINT NOT NULL REFERENCES users (id),
    role     TEXT   NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id              TEXT   NOT NULL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    csrf_token      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    client_address  TEXT,
    user_agent      TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject  TEXT   NOT NULL,
    at   BIGINT NOT NULL
);
CREATE INDEX login_failures_subject_at ON login_failures (subject, at);

CREATE TABLE audit_log (
    seq            BIGINT NOT NULL PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user_id  BIGINT,
    actor          TEXT   NOT NULL,
    institution    TEXT,
    action         TEXT   NOT NULL,
    target_type    TEXT,
    target_id      TEXT,
    purpose        TEXT,
    request_id     TEXT,
    details        TEXT   NOT NULL,
    prev_hash      TEXT   NOT NULL,
    hash           TEXT   NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

-- The chain head, written in the same transaction as each entry: removing the newest entries
-- leaves the head pointing past the end of the trail.
CREATE TABLE audit_head (
    id    BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT   NOT NULL
);
