-- Judgments, reparation orders itemised by heads of damage, their debtors, payments and
-- insolvency findings. Dates are `YYYY-MM-DD`; amounts BIGINT minor units.

CREATE TABLE judgments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     BIGINT  NOT NULL REFERENCES cases (id),
    judged_on   TEXT    NOT NULL,
    court       TEXT    NOT NULL,
    final_on    TEXT,
    created_at  BIGINT  NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX judgments_case ON judgments (case_id);

CREATE TABLE judgment_convicted (
    judgment_id   BIGINT NOT NULL REFERENCES judgments (id),
    defendant_id  BIGINT NOT NULL REFERENCES case_defendants (id),
    PRIMARY KEY (judgment_id, defendant_id)
);

CREATE TABLE reparation_orders (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    judgment_id       BIGINT  NOT NULL REFERENCES judgments (id),
    victim_id         BIGINT  NOT NULL REFERENCES victims (id),
    currency          TEXT    NOT NULL,
    payment_deadline  TEXT,
    created_at        BIGINT  NOT NULL,
    created_by        TEXT    NOT NULL,
    UNIQUE (judgment_id, victim_id)
);
CREATE INDEX reparation_orders_victim ON reparation_orders (victim_id);

CREATE TABLE order_items (
    order_id  BIGINT NOT NULL REFERENCES reparation_orders (id),
    head      TEXT   NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (order_id, head)
);

CREATE TABLE order_debtors (
    order_id      BIGINT NOT NULL REFERENCES reparation_orders (id),
    defendant_id  BIGINT NOT NULL REFERENCES case_defendants (id),
    PRIMARY KEY (order_id, defendant_id)
);

CREATE TABLE order_payments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     BIGINT  NOT NULL REFERENCES reparation_orders (id),
    source       TEXT    NOT NULL,
    amount       BIGINT  NOT NULL,
    paid_on      TEXT    NOT NULL,
    reference    TEXT,
    recorded_at  BIGINT  NOT NULL,
    recorded_by  TEXT    NOT NULL
);
CREATE INDEX order_payments_order ON order_payments (order_id);

CREATE TABLE insolvency_findings (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     BIGINT  NOT NULL REFERENCES reparation_orders (id),
    found_on     TEXT    NOT NULL,
    basis        TEXT    NOT NULL,
    recorded_at  BIGINT  NOT NULL,
    recorded_by  TEXT    NOT NULL
);
CREATE INDEX insolvency_findings_order ON insolvency_findings (order_id);
