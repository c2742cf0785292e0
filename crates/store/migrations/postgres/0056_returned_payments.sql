-- A payment the bank returned after it had accepted it is recorded on the order as its
-- reversal: the same source, the negative amount, and a reference `returned <end-to-end id>`.
-- Migration 0050 refused every negative order payment, so such a correction failed at the
-- database; this allows exactly that one form and nothing else.
ALTER TABLE order_payments DROP CONSTRAINT order_payments_values;
ALTER TABLE order_payments ADD CONSTRAINT order_payments_values CHECK (
    source IN ('debtor', 'fund', 'advance', 'recovery')
    AND (amount >= 0 OR (source IN ('fund', 'advance') AND reference LIKE 'returned %'))
);
