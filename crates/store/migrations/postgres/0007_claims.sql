-- Claims on the fund, the versioned allocation policy, allocation rounds, payment batches and
-- bank results. Amounts are BIGINT minor units; instants BIGINT microseconds; dates TEXT.

CREATE TABLE fund_policies (
    version     BIGINT  PRIMARY KEY,
    document    TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    created_by  TEXT    NOT NULL
);

CREATE TABLE identity_verifications (
    victim_id    BIGINT  PRIMARY KEY REFERENCES victims (id),
    method       TEXT    NOT NULL,
    verified_at  BIGINT  NOT NULL,
    verified_by  TEXT    NOT NULL
);

CREATE TABLE claims (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT    NOT NULL,
    victim_id        BIGINT  NOT NULL REFERENCES victims (id),
    case_id          BIGINT  NOT NULL REFERENCES cases (id),
    order_id         BIGINT  REFERENCES reparation_orders (id),
    currency         TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    requested        BIGINT  NOT NULL,
    needs            TEXT    NOT NULL,
    tier             BIGINT  NOT NULL,
    tier_reasons     TEXT    NOT NULL,
    policy_version   BIGINT  NOT NULL REFERENCES fund_policies (version),
    eligibility      TEXT    NOT NULL,
    approved_amount  BIGINT,
    paid             BIGINT  NOT NULL,
    decision_reason  TEXT,
    filed_at         BIGINT  NOT NULL,
    filed_by         TEXT    NOT NULL,
    decision_due     BIGINT  NOT NULL,
    decided_at       BIGINT,
    decided_by       TEXT,
    payment_due      TEXT,
    hold_id          TEXT,
    hold_amount      BIGINT
);
CREATE INDEX claims_state ON claims (state, currency);
CREATE INDEX claims_victim ON claims (victim_id);
CREATE UNIQUE INDEX claims_one_open_per_order ON claims (order_id)
    WHERE state NOT IN ('rejected', 'paid', 'withdrawn') AND order_id IS NOT NULL;

CREATE TABLE claim_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    claim_id    BIGINT  NOT NULL REFERENCES claims (id),
    from_state  TEXT,
    to_state    TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    by_user     TEXT    NOT NULL,
    note        TEXT
);
CREATE INDEX claim_events_claim ON claim_events (claim_id);

CREATE TABLE allocation_rounds (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    currency        TEXT    NOT NULL,
    policy_version  BIGINT  NOT NULL REFERENCES fund_policies (version),
    cash            BIGINT  NOT NULL,
    holds           BIGINT  NOT NULL,
    reserve         BIGINT  NOT NULL,
    available       BIGINT  NOT NULL,
    minimum_line    BIGINT  NOT NULL,
    inputs          TEXT    NOT NULL,
    inputs_hash     TEXT    NOT NULL,
    allocated       BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    created_by      TEXT    NOT NULL
);

CREATE TABLE allocation_lines (
    round_id     BIGINT  NOT NULL REFERENCES allocation_rounds (id),
    claim_id     BIGINT  NOT NULL REFERENCES claims (id),
    position     BIGINT  NOT NULL,
    amount       BIGINT  NOT NULL,
    explanation  TEXT    NOT NULL,
    hold_id      TEXT,
    PRIMARY KEY (round_id, claim_id)
);

CREATE TABLE payment_batches (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id        BIGINT  NOT NULL UNIQUE REFERENCES allocation_rounds (id),
    currency        TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    execution_date  TEXT    NOT NULL,
    total           BIGINT  NOT NULL,
    proposed_at     BIGINT  NOT NULL,
    proposed_by     TEXT    NOT NULL,
    approved_at     BIGINT,
    approved_by     TEXT,
    message_id      TEXT,
    file_sha256     TEXT,
    exported_at     BIGINT,
    exported_by     TEXT
);

CREATE TABLE batch_lines (
    batch_id       BIGINT  NOT NULL REFERENCES payment_batches (id),
    claim_id       BIGINT  NOT NULL REFERENCES claims (id),
    amount         BIGINT  NOT NULL,
    hold_id        TEXT    NOT NULL,
    end_to_end_id  TEXT    NOT NULL UNIQUE,
    payee          TEXT,
    status         TEXT    NOT NULL,
    reason         TEXT,
    resolved_at    BIGINT,
    resolved_by    TEXT,
    result_source  TEXT,
    PRIMARY KEY (batch_id, claim_id)
);

CREATE TABLE bank_reports (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id     BIGINT  NOT NULL REFERENCES payment_batches (id),
    message_id   TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    applied      BIGINT  NOT NULL,
    unchanged    BIGINT  NOT NULL,
    received_at  BIGINT  NOT NULL,
    received_by  TEXT    NOT NULL
);
CREATE INDEX bank_reports_batch ON bank_reports (batch_id);
