-- The fund ledger. Amounts are BIGINT counts of the currency's minor unit.

CREATE TABLE ledger_accounts (
    id                              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                            TEXT    NOT NULL,
    currency                        TEXT    NOT NULL,
    debits_must_not_exceed_credits  BIGINT  NOT NULL DEFAULT 0,
    credits_must_not_exceed_debits  BIGINT  NOT NULL DEFAULT 0,
    debits_pending                  BIGINT  NOT NULL DEFAULT 0,
    debits_posted                   BIGINT  NOT NULL DEFAULT 0,
    credits_pending                 BIGINT  NOT NULL DEFAULT 0,
    credits_posted                  BIGINT  NOT NULL DEFAULT 0,
    created_at                      BIGINT  NOT NULL,
    UNIQUE (name, currency)
);

-- Transfers are immutable but for the status of a hold. `seq` is the global order assigned by
-- the single writer; `created_at` never decreases along it. Each row keeps both accounts'
-- posted totals right after it, for statements, balances as of an instant and FIFO tracing.
CREATE TABLE ledger_transfers (
    seq                           BIGINT NOT NULL PRIMARY KEY,
    id                            TEXT   NOT NULL UNIQUE,
    debit_account_id              BIGINT NOT NULL REFERENCES ledger_accounts (id),
    credit_account_id             BIGINT NOT NULL REFERENCES ledger_accounts (id),
    amount                        BIGINT NOT NULL,
    posted                        BIGINT NOT NULL,
    currency                      TEXT   NOT NULL,
    kind                          TEXT   NOT NULL,
    pending_id                    TEXT,
    reverses_id                   TEXT,
    pending_status                TEXT,
    expires_at                    BIGINT,
    ref_case                      TEXT,
    ref_asset                     TEXT,
    ref_order                     TEXT,
    ref_claim                     TEXT,
    ref_batch                     TEXT,
    memo                          TEXT,
    actor                         TEXT   NOT NULL,
    created_at                    BIGINT NOT NULL,
    debit_account_debits_after    BIGINT NOT NULL,
    debit_account_credits_after   BIGINT NOT NULL,
    credit_account_debits_after   BIGINT NOT NULL,
    credit_account_credits_after  BIGINT NOT NULL
);
-- Statements (an account's transfers in order), balances as of an instant (the last transfer
-- at or before it), FIFO tracing (inflows by cumulative amount), expiring holds, and exactly
-- one post or void per hold, at most one reversal per transfer. Kept few: every index costs on every insert.
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id, seq);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id, seq);
CREATE INDEX ledger_transfers_time ON ledger_transfers (created_at);
CREATE INDEX ledger_transfers_debit_cumulative ON ledger_transfers (debit_account_id, debit_account_debits_after);
CREATE INDEX ledger_transfers_holds ON ledger_transfers (expires_at) WHERE pending_status = 'pending';
CREATE UNIQUE INDEX ledger_transfers_resolution ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_transfers_reversal ON ledger_transfers (reverses_id) WHERE reverses_id IS NOT NULL;
