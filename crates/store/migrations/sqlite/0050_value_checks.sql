-- Values the database itself refuses: amounts that cannot be negative, and states, stages,
-- kinds and statuses outside the closed sets of the domain's enums (`as_str` of each
-- `ALL`). The application never writes such a value; the guard is for the next bug, a
-- hand-edited row, and whoever reads the database without the application.
--
-- SQLite cannot `ALTER TABLE … ADD CONSTRAINT`. The two ways to get a CHECK there are a
-- table rebuild (create a copy with the constraint, copy the rows, drop, rename) or
-- triggers. Triggers were chosen, deliberately:
--   * a rebuild drops every index, trigger and foreign key pointing at the table; each would
--     have to be restated here, and every index added by another migration since (0021,
--     0030, and those still to land) silently lost if one were forgotten;
--   * a rebuild of `ledger_transfers` or `claims` rewrites the biggest tables while the
--     migration holds the write lock; a trigger costs nothing until a row is written;
--   * the rule reads the same on both engines: the PostgreSQL migration states the same
--     conditions as CHECK constraints, and the conformance suite holds both to it.
-- One BEFORE INSERT and one BEFORE UPDATE trigger per table, named `<table>_values_insert`
-- and `<table>_values_update`; like the audit triggers (0020), the database's owner can drop
-- them, which `redress_store::testing::drop_value_guards` does to play a hand edit.
-- Existing rows are checked by the last statement: a database holding a bad value stops the
-- migration, which is the moment to find out.

CREATE TRIGGER institutions_values_insert BEFORE INSERT ON institutions
WHEN NOT (NEW.kind IN ('police', 'prosecutor', 'court', 'ministry', 'public_defender', 'asset_agency', 'fund_unit', 'ngo', 'other'))
BEGIN
    SELECT RAISE(ABORT, 'institutions: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER institutions_values_update BEFORE UPDATE ON institutions
WHEN NOT (NEW.kind IN ('police', 'prosecutor', 'court', 'ministry', 'public_defender', 'asset_agency', 'fund_unit', 'ngo', 'other'))
BEGIN
    SELECT RAISE(ABORT, 'institutions: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER ledger_accounts_values_insert BEFORE INSERT ON ledger_accounts
WHEN NOT (NEW.debits_pending >= 0
    AND NEW.debits_posted >= 0
    AND NEW.credits_pending >= 0
    AND NEW.credits_posted >= 0)
BEGIN
    SELECT RAISE(ABORT, 'ledger_accounts: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER ledger_accounts_values_update BEFORE UPDATE ON ledger_accounts
WHEN NOT (NEW.debits_pending >= 0
    AND NEW.debits_posted >= 0
    AND NEW.credits_pending >= 0
    AND NEW.credits_posted >= 0)
BEGIN
    SELECT RAISE(ABORT, 'ledger_accounts: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER ledger_transfers_values_insert BEFORE INSERT ON ledger_transfers
WHEN NOT (NEW.amount >= 0
    AND NEW.posted >= 0
    AND NEW.kind IN ('single', 'pending', 'post_pending', 'void_pending', 'reversal')
    AND (NEW.pending_status IS NULL OR NEW.pending_status IN ('pending', 'posted', 'voided', 'expired')))
BEGIN
    SELECT RAISE(ABORT, 'ledger_transfers: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER ledger_transfers_values_update BEFORE UPDATE ON ledger_transfers
WHEN NOT (NEW.amount >= 0
    AND NEW.posted >= 0
    AND NEW.kind IN ('single', 'pending', 'post_pending', 'void_pending', 'reversal')
    AND (NEW.pending_status IS NULL OR NEW.pending_status IN ('pending', 'posted', 'voided', 'expired')))
BEGIN
    SELECT RAISE(ABORT, 'ledger_transfers: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER cases_values_insert BEFORE INSERT ON cases
WHEN NOT (NEW.stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
BEGIN
    SELECT RAISE(ABORT, 'cases: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER cases_values_update BEFORE UPDATE ON cases
WHEN NOT (NEW.stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
BEGIN
    SELECT RAISE(ABORT, 'cases: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER case_stage_changes_values_insert BEFORE INSERT ON case_stage_changes
WHEN NOT ((NEW.from_stage IS NULL OR NEW.from_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
    AND NEW.to_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
BEGIN
    SELECT RAISE(ABORT, 'case_stage_changes: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER case_stage_changes_values_update BEFORE UPDATE ON case_stage_changes
WHEN NOT ((NEW.from_stage IS NULL OR NEW.from_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
    AND NEW.to_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
BEGIN
    SELECT RAISE(ABORT, 'case_stage_changes: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER order_items_values_insert BEFORE INSERT ON order_items
WHEN NOT (NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'order_items: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER order_items_values_update BEFORE UPDATE ON order_items
WHEN NOT (NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'order_items: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER order_payments_values_insert BEFORE INSERT ON order_payments
WHEN NOT (NEW.source IN ('debtor', 'fund', 'advance', 'recovery')
    AND NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'order_payments: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER order_payments_values_update BEFORE UPDATE ON order_payments
WHEN NOT (NEW.source IN ('debtor', 'fund', 'advance', 'recovery')
    AND NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'order_payments: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER assets_values_insert BEFORE INSERT ON assets
WHEN NOT (NEW.kind IN ('cash', 'bank_balance', 'vehicle', 'real_estate', 'business', 'valuables', 'other')
    AND NEW.state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off')
    AND (NEW.estimated_value IS NULL OR NEW.estimated_value >= 0))
BEGIN
    SELECT RAISE(ABORT, 'assets: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER assets_values_update BEFORE UPDATE ON assets
WHEN NOT (NEW.kind IN ('cash', 'bank_balance', 'vehicle', 'real_estate', 'business', 'valuables', 'other')
    AND NEW.state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off')
    AND (NEW.estimated_value IS NULL OR NEW.estimated_value >= 0))
BEGIN
    SELECT RAISE(ABORT, 'assets: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER asset_moves_values_insert BEFORE INSERT ON asset_moves
WHEN NOT ((NEW.from_state IS NULL OR NEW.from_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off'))
    AND NEW.to_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off')
    AND (NEW.amount IS NULL OR NEW.amount >= 0)
    AND (NEW.costs IS NULL OR NEW.costs >= 0))
BEGIN
    SELECT RAISE(ABORT, 'asset_moves: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER asset_moves_values_update BEFORE UPDATE ON asset_moves
WHEN NOT ((NEW.from_state IS NULL OR NEW.from_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off'))
    AND NEW.to_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off')
    AND (NEW.amount IS NULL OR NEW.amount >= 0)
    AND (NEW.costs IS NULL OR NEW.costs >= 0))
BEGIN
    SELECT RAISE(ABORT, 'asset_moves: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER asset_valuations_values_insert BEFORE INSERT ON asset_valuations
WHEN NOT (NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'asset_valuations: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER asset_valuations_values_update BEFORE UPDATE ON asset_valuations
WHEN NOT (NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'asset_valuations: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER asset_leases_values_insert BEFORE INSERT ON asset_leases
WHEN NOT (NEW.monthly_rent >= 0)
BEGIN
    SELECT RAISE(ABORT, 'asset_leases: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER asset_leases_values_update BEFORE UPDATE ON asset_leases
WHEN NOT (NEW.monthly_rent >= 0)
BEGIN
    SELECT RAISE(ABORT, 'asset_leases: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER claims_values_insert BEFORE INSERT ON claims
WHEN NOT (NEW.kind IN ('reparation', 'advance')
    AND NEW.state IN ('received', 'approved', 'rejected', 'allocated', 'in_batch', 'paid', 'withdrawn', 'stopped')
    AND NEW.requested >= 0
    AND (NEW.approved_amount IS NULL OR NEW.approved_amount >= 0)
    AND NEW.paid >= 0
    AND (NEW.hold_amount IS NULL OR NEW.hold_amount >= 0))
BEGIN
    SELECT RAISE(ABORT, 'claims: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER claims_values_update BEFORE UPDATE ON claims
WHEN NOT (NEW.kind IN ('reparation', 'advance')
    AND NEW.state IN ('received', 'approved', 'rejected', 'allocated', 'in_batch', 'paid', 'withdrawn', 'stopped')
    AND NEW.requested >= 0
    AND (NEW.approved_amount IS NULL OR NEW.approved_amount >= 0)
    AND NEW.paid >= 0
    AND (NEW.hold_amount IS NULL OR NEW.hold_amount >= 0))
BEGIN
    SELECT RAISE(ABORT, 'claims: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER allocation_rounds_values_insert BEFORE INSERT ON allocation_rounds
WHEN NOT (NEW.holds >= 0
    AND NEW.reserve >= 0
    AND NEW.available >= 0
    AND NEW.minimum_line >= 0
    AND NEW.allocated >= 0)
BEGIN
    SELECT RAISE(ABORT, 'allocation_rounds: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER allocation_rounds_values_update BEFORE UPDATE ON allocation_rounds
WHEN NOT (NEW.holds >= 0
    AND NEW.reserve >= 0
    AND NEW.available >= 0
    AND NEW.minimum_line >= 0
    AND NEW.allocated >= 0)
BEGIN
    SELECT RAISE(ABORT, 'allocation_rounds: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER allocation_lines_values_insert BEFORE INSERT ON allocation_lines
WHEN NOT (NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'allocation_lines: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER allocation_lines_values_update BEFORE UPDATE ON allocation_lines
WHEN NOT (NEW.amount >= 0)
BEGIN
    SELECT RAISE(ABORT, 'allocation_lines: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER payment_batches_values_insert BEFORE INSERT ON payment_batches
WHEN NOT (NEW.state IN ('proposed', 'approved', 'exported', 'closed')
    AND NEW.total >= 0)
BEGIN
    SELECT RAISE(ABORT, 'payment_batches: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER payment_batches_values_update BEFORE UPDATE ON payment_batches
WHEN NOT (NEW.state IN ('proposed', 'approved', 'exported', 'closed')
    AND NEW.total >= 0)
BEGIN
    SELECT RAISE(ABORT, 'payment_batches: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER batch_lines_values_insert BEFORE INSERT ON batch_lines
WHEN NOT (NEW.amount >= 0
    AND NEW.status IN ('pending', 'accepted', 'rejected')
    AND (NEW.method IS NULL OR NEW.method IN ('transfer', 'cheque'))
    AND (NEW.result_source IS NULL OR NEW.result_source IN ('pain.002', 'manual', 'correction')))
BEGIN
    SELECT RAISE(ABORT, 'batch_lines: a value is out of range (see migration 0050)');
END;

CREATE TRIGGER batch_lines_values_update BEFORE UPDATE ON batch_lines
WHEN NOT (NEW.amount >= 0
    AND NEW.status IN ('pending', 'accepted', 'rejected')
    AND (NEW.method IS NULL OR NEW.method IN ('transfer', 'cheque'))
    AND (NEW.result_source IS NULL OR NEW.result_source IN ('pain.002', 'manual', 'correction')))
BEGIN
    SELECT RAISE(ABORT, 'batch_lines: a value is out of range (see migration 0050)');
END;

-- Rows already stored: a bad one aborts the migration. SQLite allows RAISE only inside a
-- trigger, so the bad rows are gathered in a temporary table whose trigger refuses a copy of
-- the first one.
CREATE TEMP TABLE migration_0050_bad AS
    SELECT 'institutions' AS bad FROM institutions WHERE NOT (kind IN ('police', 'prosecutor', 'court', 'ministry', 'public_defender', 'asset_agency', 'fund_unit', 'ngo', 'other'))
    UNION ALL SELECT 'ledger_accounts' AS bad FROM ledger_accounts WHERE NOT (debits_pending >= 0 AND debits_posted >= 0 AND credits_pending >= 0 AND credits_posted >= 0)
    UNION ALL SELECT 'ledger_transfers' AS bad FROM ledger_transfers WHERE NOT (amount >= 0 AND posted >= 0 AND kind IN ('single', 'pending', 'post_pending', 'void_pending', 'reversal') AND (pending_status IS NULL OR pending_status IN ('pending', 'posted', 'voided', 'expired')))
    UNION ALL SELECT 'cases' AS bad FROM cases WHERE NOT (stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
    UNION ALL SELECT 'case_stage_changes' AS bad FROM case_stage_changes WHERE NOT ((from_stage IS NULL OR from_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted')) AND to_stage IN ('reported', 'investigation', 'charged', 'trial', 'judgment', 'final', 'archived', 'acquitted'))
    UNION ALL SELECT 'order_items' AS bad FROM order_items WHERE NOT (amount >= 0)
    UNION ALL SELECT 'order_payments' AS bad FROM order_payments WHERE NOT (source IN ('debtor', 'fund', 'advance', 'recovery') AND amount >= 0)
    UNION ALL SELECT 'assets' AS bad FROM assets WHERE NOT (kind IN ('cash', 'bank_balance', 'vehicle', 'real_estate', 'business', 'valuables', 'other') AND state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off') AND (estimated_value IS NULL OR estimated_value >= 0))
    UNION ALL SELECT 'asset_moves' AS bad FROM asset_moves WHERE NOT ((from_state IS NULL OR from_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off')) AND to_state IN ('seized', 'in_custody', 'leased', 'assigned', 'sale_authorised', 'sold_early', 'confiscated', 'sold', 'released', 'returned', 'written_off') AND (amount IS NULL OR amount >= 0) AND (costs IS NULL OR costs >= 0))
    UNION ALL SELECT 'asset_valuations' AS bad FROM asset_valuations WHERE NOT (amount >= 0)
    UNION ALL SELECT 'asset_leases' AS bad FROM asset_leases WHERE NOT (monthly_rent >= 0)
    UNION ALL SELECT 'claims' AS bad FROM claims WHERE NOT (kind IN ('reparation', 'advance') AND state IN ('received', 'approved', 'rejected', 'allocated', 'in_batch', 'paid', 'withdrawn', 'stopped') AND requested >= 0 AND (approved_amount IS NULL OR approved_amount >= 0) AND paid >= 0 AND (hold_amount IS NULL OR hold_amount >= 0))
    UNION ALL SELECT 'allocation_rounds' AS bad FROM allocation_rounds WHERE NOT (holds >= 0 AND reserve >= 0 AND available >= 0 AND minimum_line >= 0 AND allocated >= 0)
    UNION ALL SELECT 'allocation_lines' AS bad FROM allocation_lines WHERE NOT (amount >= 0)
    UNION ALL SELECT 'payment_batches' AS bad FROM payment_batches WHERE NOT (state IN ('proposed', 'approved', 'exported', 'closed') AND total >= 0)
    UNION ALL SELECT 'batch_lines' AS bad FROM batch_lines WHERE NOT (amount >= 0 AND status IN ('pending', 'accepted', 'rejected') AND (method IS NULL OR method IN ('transfer', 'cheque')) AND (result_source IS NULL OR result_source IN ('pain.002', 'manual', 'correction')));
CREATE TEMP TRIGGER migration_0050_refuse BEFORE INSERT ON migration_0050_bad
BEGIN
    SELECT RAISE(ABORT, 'migration 0050: stored values out of range');
END;
INSERT INTO migration_0050_bad SELECT bad FROM migration_0050_bad LIMIT 1;
DROP TABLE migration_0050_bad;
