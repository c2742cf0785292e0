-- Administering users: a deactivated user cannot log in (the record and its history stay), and
-- a user whose password an administrator reset must choose a new one at the next login.

ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
