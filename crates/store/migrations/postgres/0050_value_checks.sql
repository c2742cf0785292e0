-- Values the database itself refuses: amounts that cannot be negative, and states, stages,
-- kinds and statuses outside the closed sets of the domain's enums (`as_str` of each
-- `ALL`). The application never writes such a value; the guard is for the next bug, a
-- hand-edited row, and whoever reads the database without the application.
--
-- One CHECK constraint per table, named `<table>_values`; adding it validates the rows
-- already there, so a database holding a bad value stops the migration. SQLite states the
-- same conditions as triggers (see its 0050 for why); the conformance suite holds both
-- engines to the same behaviour.

ALTER TABLE institutions ADD CONSTRAINT institutions_values CHECK (
    kind IN ('police', 'prosecutor', 'court', 'ministry', 'public_defender', 'asset_agency', 'fund_unit', 'ngo', 'other')
);

ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_values CHECK (
    debits_pending >= 0
    AND debits_posted >= 0
    AND credits_pending >= 0
    AND credits_posted >= 0
);

ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_values CHECK (
    amount >= 0
    AND posted >= 0
    AND kind IN ('single', 'pending', 'post_pending', 'void_pending', 'reversal')
    AND (pending_status IS NULL OR pending_status IN ('pending', 'posted', 'voided', 'expired'))
);

ALTER TABLE cases ADD CONSTRAINT cases_values CHECK (
    stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted')
);

ALTER TABLE case_stage_changes ADD CONSTRAINT case_stage_changes_values CHECK (
    (from_stage IS NULL OR from_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
    AND to_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted')
);

ALTER TABLE order_items ADD CONSTRAINT order_items_values CHECK (
    amount >= 0
);

ALTER TABLE order_payments ADD CONSTRAINT order_payments_values CHECK (
    source IN ('debtor', 'fund', 'advance', 'recovery')
    AND amount >= 0
);

ALTER TABLE assets ADD CONSTRAINT assets_values CHECK (
    kind IN ('cash', 'bank_balance', 'vehicle', 'real_estate', 'business', 'valuables', 'other')
    AND state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off')
    AND (estimated_value IS NULL OR estimated_value >= 0)
);

ALTER TABLE asset_moves ADD CONSTRAINT asset_moves_values CHECK (
    (from_state IS NULL OR from_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off'))
    AND to_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off')
    AND (amount IS NULL OR amount >= 0)
    AND (costs IS NULL OR costs >= 0)
);

ALTER TABLE asset_valuations ADD CONSTRAINT asset_valuations_values CHECK (
    amount >= 0
);

ALTER TABLE asset_leases ADD CONSTRAINT asset_leases_values CHECK (
    monthly_rent >= 0
);

ALTER TABLE claims ADD CONSTRAINT claims_values CHECK (
    kind IN ('reparation', 'advance')
    AND state IN ('received', 'approved', 'rejected', 'allocated', 'in_batch', 'paid', 'withdrawn', 'stopped')
    AND requested >= 0
    AND (approved_amount IS NULL OR approved_amount >= 0)
    AND paid >= 0
    AND (hold_amount IS NULL OR hold_amount >= 0)
);

ALTER TABLE allocation_rounds ADD CONSTRAINT allocation_rounds_values CHECK (
    holds >= 0
    AND reserve >= 0
    AND available >= 0
    AND minimum_line >= 0
    AND allocated >= 0
);

ALTER TABLE allocation_lines ADD CONSTRAINT allocation_lines_values CHECK (
    amount >= 0
);

ALTER TABLE payment_batches ADD CONSTRAINT payment_batches_values CHECK (
    state IN ('proposed', 'approved', 'exported', 'closed')
    AND total >= 0
);

ALTER TABLE batch_lines ADD CONSTRAINT batch_lines_values CHECK (
    amount >= 0
    AND status IN ('pending', 'accepted', 'rejected')
    AND (method IS NULL OR method IN ('transfer', 'cheque'))
    AND (result_source IS NULL OR result_source IN ('pain.002', 'manual', 'correction'))
);
