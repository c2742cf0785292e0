-- The lists of judgments, orders, rounds and batches (docs/web.md): newest first, a page at a
-- time, each filter answered from an index range.
-- An order keeps what it ordered, what was paid on it (by the debtors, the fund and its
-- advances; returned payments count negative) and where that leaves it (`PaymentState` in the
-- domain: paid, insolvent, partly, unpaid), written by the store with each item, payment and
-- insolvency finding, so that a list filtered by payment state reads an index range instead
-- of summing every order's payments.
ALTER TABLE reparation_orders ADD COLUMN ordered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reparation_orders ADD COLUMN paid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reparation_orders ADD COLUMN payment_state TEXT NOT NULL DEFAULT 'unpaid';
UPDATE reparation_orders SET
    ordered = (SELECT CAST(COALESCE(SUM(i.amount), 0) AS BIGINT) FROM order_items i WHERE i.order_id = reparation_orders.id),
    paid = (SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM order_payments p
            WHERE p.order_id = reparation_orders.id AND p.source IN ('debtor', 'fund', 'advance'));
UPDATE reparation_orders SET payment_state = CASE
    WHEN paid >= ordered THEN 'paid'
    WHEN EXISTS (SELECT 1 FROM insolvency_findings f WHERE f.order_id = reparation_orders.id) THEN 'insolvent'
    WHEN paid > 0 THEN 'partly'
    ELSE 'unpaid' END;
CREATE INDEX reparation_orders_payment_state_id ON reparation_orders (payment_state, id);
-- Judgments not final yet (the ones a court still has to act on).
CREATE INDEX judgments_not_final ON judgments (id) WHERE final_on IS NULL;
-- Batches by state.
CREATE INDEX payment_batches_state_id ON payment_batches (state, id);
