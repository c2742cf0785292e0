-- A payment the bank returned after it had accepted it is recorded on the order as its
-- reversal: the same source, the negative amount, and a reference `returned <end-to-end id>`.
-- Migration 0050 refused every negative order payment, so such a correction failed at the
-- database; this allows exactly that one form and nothing else.
DROP TRIGGER order_payments_values_insert;
DROP TRIGGER order_payments_values_update;

CREATE TRIGGER order_payments_values_insert BEFORE INSERT ON order_payments
WHEN NOT (NEW.source IN ('debtor', 'fund', 'advance', 'recovery')
    AND (NEW.amount >= 0
        OR (NEW.source IN ('fund', 'advance') AND NEW.reference LIKE 'returned %')))
BEGIN
    SELECT RAISE(ABORT, 'order_payments: a value is out of range (see migrations 0050 and 0056)');
END;

CREATE TRIGGER order_payments_values_update BEFORE UPDATE ON order_payments
WHEN NOT (NEW.source IN ('debtor', 'fund', 'advance', 'recovery')
    AND (NEW.amount >= 0
        OR (NEW.source IN ('fund', 'advance') AND NEW.reference LIKE 'returned %')))
BEGIN
    SELECT RAISE(ABORT, 'order_payments: a value is out of range (see migrations 0050 and 0056)');
END;
