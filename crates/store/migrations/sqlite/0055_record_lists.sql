-- The lists of judgments, orders, rounds and batches (docs/web.md): newest first, a page at a
-- time, each filter and each reader's scope answered from an index range, so that a page costs
-- what it shows, not what the tables hold.

-- An order keeps what it ordered, what was paid on it (by the debtors, the fund and its
-- advances) and where that leaves it (`PaymentState` in the domain: paid, insolvent, partly,
-- unpaid), written by the store with each item, payment and insolvency finding, so that a list
-- filtered by payment state reads an index range instead of summing every order's payments.
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

-- Whose a judgment and an order are, copied from their case (the office that opened it, the
-- court it is at: the store writes both again when the court changes) and, for an order, from
-- its victim (the institution that registered them): each reader's list is an index range.
ALTER TABLE judgments ADD COLUMN case_institution_id BIGINT REFERENCES institutions (id);
ALTER TABLE judgments ADD COLUMN case_court_id BIGINT REFERENCES institutions (id);
UPDATE judgments SET
    case_institution_id = (SELECT c.institution_id FROM cases c WHERE c.id = judgments.case_id),
    case_court_id = (SELECT c.court_id FROM cases c WHERE c.id = judgments.case_id);
ALTER TABLE reparation_orders ADD COLUMN case_id BIGINT REFERENCES cases (id);
ALTER TABLE reparation_orders ADD COLUMN case_institution_id BIGINT REFERENCES institutions (id);
ALTER TABLE reparation_orders ADD COLUMN case_court_id BIGINT REFERENCES institutions (id);
ALTER TABLE reparation_orders ADD COLUMN victim_institution_id BIGINT REFERENCES institutions (id);
UPDATE reparation_orders SET
    case_id = (SELECT j.case_id FROM judgments j WHERE j.id = reparation_orders.judgment_id),
    case_institution_id = (SELECT j.case_institution_id FROM judgments j WHERE j.id = reparation_orders.judgment_id),
    case_court_id = (SELECT j.case_court_id FROM judgments j WHERE j.id = reparation_orders.judgment_id),
    victim_institution_id = (SELECT v.institution_id FROM victims v WHERE v.id = reparation_orders.victim_id);

CREATE INDEX reparation_orders_payment_state_id ON reparation_orders (payment_state, id);
CREATE INDEX reparation_orders_case_id ON reparation_orders (case_id, id);
CREATE INDEX reparation_orders_office_id ON reparation_orders (case_institution_id, id);
CREATE INDEX reparation_orders_court_id ON reparation_orders (case_court_id, id);
CREATE INDEX reparation_orders_victims_id ON reparation_orders (victim_institution_id, id);
CREATE INDEX reparation_orders_office_state_id ON reparation_orders (case_institution_id, payment_state, id);
CREATE INDEX reparation_orders_court_state_id ON reparation_orders (case_court_id, payment_state, id);
CREATE INDEX reparation_orders_victims_state_id ON reparation_orders (victim_institution_id, payment_state, id);
CREATE INDEX judgments_office_id ON judgments (case_institution_id, id);
CREATE INDEX judgments_court_id ON judgments (case_court_id, id);
-- Judgments not final yet (the ones a court still has to act on), all and by scope.
CREATE INDEX judgments_not_final ON judgments (id) WHERE final_on IS NULL;
CREATE INDEX judgments_office_not_final ON judgments (case_institution_id, id) WHERE final_on IS NULL;
CREATE INDEX judgments_court_not_final ON judgments (case_court_id, id) WHERE final_on IS NULL;
-- A file number typed in a filter is a prosecutor's file (unique already) or a court's.
CREATE INDEX cases_court_file ON cases (court_file);
-- The victims referred to an institution (its victim services' orders).
CREATE INDEX victim_referrals_institution ON victim_referrals (institution_id, victim_id);
-- Batches by state.
CREATE INDEX payment_batches_state_id ON payment_batches (state, id);
