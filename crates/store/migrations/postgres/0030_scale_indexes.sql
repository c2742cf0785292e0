-- Indexes for the pages' aggregates (see docs/scale.md): the fund officer's home page counts
-- claims by tier and state, overdue claims and received claims by age, and sums the fund's
-- cash by month of value date, each from one index range instead of a scan of the table.
-- (state, tier, currency, paid) also answers statistics' claims by state and tier with their payments.
CREATE INDEX claims_state_tier ON claims (state, tier, currency, paid);
CREATE INDEX claims_state_filed ON claims (state, filed_at);
CREATE INDEX claims_state_decision_due ON claims (state, decision_due);
CREATE INDEX claims_state_payment_due ON claims (state, payment_due);
CREATE INDEX ledger_transfers_debit_value_date ON ledger_transfers (debit_account_id, value_date, posted);
CREATE INDEX ledger_transfers_credit_value_date ON ledger_transfers (credit_account_id, value_date, posted);
-- The public transparency page lists published assets by id, a page at a time.
CREATE INDEX assets_state_id ON assets (state, id);
-- Statistics count victims by their coarse attributes from this index alone.
CREATE INDEX victims_profile ON victims (sex, nationality, age_band, region, exploitation);
