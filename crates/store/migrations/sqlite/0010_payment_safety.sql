-- Money that is never paid twice or to the wrong person.
--
-- A batch line remembers the block of the bank file it went in (`method`: transfer or cheque),
-- so that a block-level status applies to that block's lines only, and the bank's reason code.
-- A claim can wait for something a person must do before it is paid again (`waiting_for`:
-- new payee details after the bank refused the account, a contradicting bank result, a court
-- decision). Bank reports keep the problems found in them. Every change to a victim's identity
-- keeps the previous identity, sealed, with who changed it, when and why. Judgments record
-- appeals and the decisions that confirm or set them aside.

ALTER TABLE batch_lines ADD COLUMN method TEXT;
ALTER TABLE batch_lines ADD COLUMN reason_code TEXT;
ALTER TABLE batch_lines ADD COLUMN transfer_id TEXT;
ALTER TABLE claims ADD COLUMN waiting_for TEXT;
ALTER TABLE bank_reports ADD COLUMN problems TEXT NOT NULL DEFAULT '[]';
ALTER TABLE bank_reports ADD COLUMN conflicts BIGINT NOT NULL DEFAULT 0;

CREATE INDEX claims_order ON claims (order_id);
CREATE INDEX claims_case ON claims (case_id);
CREATE INDEX batch_lines_claim ON batch_lines (claim_id);

CREATE TABLE victim_identity_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    victim_id   BIGINT  NOT NULL REFERENCES victims (id),
    previous    TEXT    NOT NULL,
    fields      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    changed_at  BIGINT  NOT NULL,
    changed_by  TEXT    NOT NULL
);
CREATE INDEX victim_identity_changes_victim ON victim_identity_changes (victim_id);

ALTER TABLE judgments ADD COLUMN appeal_filed_on TEXT;
ALTER TABLE judgments ADD COLUMN outcome TEXT;
ALTER TABLE judgments ADD COLUMN outcome_on TEXT;
ALTER TABLE judgments ADD COLUMN outcome_note TEXT;

-- A claim stopped by a court decision is no longer open on its order.
DROP INDEX claims_one_open_per_order;
CREATE UNIQUE INDEX claims_one_open_per_order ON claims (order_id)
    WHERE state NOT IN ('rejected', 'paid', 'withdrawn', 'stopped') AND order_id IS NOT NULL;
