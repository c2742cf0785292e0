-- The fund's own details, set by an administrator (one row): its name as the bank knows it,
-- the account it pays from, its bank and its tax id. Until the row exists, the configuration's
-- `fund.*` values are used.

CREATE TABLE fund_details (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    name          TEXT   NOT NULL,
    bank_account  TEXT,
    bank_bic      TEXT,
    bank_name     TEXT,
    tax_id        TEXT,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT   NOT NULL
);

-- The fund's details a batch's bank file was first written with (JSON), so that the file
-- regenerates byte for byte after the details change. Batches exported before: NULL.
ALTER TABLE payment_batches ADD COLUMN debtor TEXT;
