-- Every transfer carries the day the money moved (its value date) beside the instant it was
-- entered. Transfers entered before this column existed take the (UTC) day they were entered.
ALTER TABLE ledger_transfers ADD COLUMN value_date TEXT NOT NULL DEFAULT '';
UPDATE ledger_transfers SET value_date = date(created_at / 1000000, 'unixepoch');
CREATE INDEX ledger_transfers_value_date ON ledger_transfers (value_date);
