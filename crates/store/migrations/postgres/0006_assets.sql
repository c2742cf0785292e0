-- Seized and confiscated assets and the dated, documented moves of their lifecycle.

CREATE TABLE assets (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    identifiers       TEXT,
    location          TEXT,
    region            TEXT,
    custodian         TEXT,
    case_id           BIGINT  REFERENCES cases (id),
    agency_reference  TEXT,
    currency          TEXT    NOT NULL,
    estimated_value   BIGINT,
    state             TEXT    NOT NULL,
    state_changed_on  TEXT    NOT NULL,
    institution_id    BIGINT  NOT NULL REFERENCES institutions (id),
    created_at        BIGINT  NOT NULL,
    created_by        TEXT    NOT NULL
);
CREATE INDEX assets_state ON assets (state);

CREATE TABLE asset_moves (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_id     BIGINT  NOT NULL REFERENCES assets (id),
    from_state   TEXT,
    to_state     TEXT    NOT NULL,
    on_date      TEXT    NOT NULL,
    document     TEXT    NOT NULL,
    amount       BIGINT,
    costs        BIGINT,
    recorded_at  BIGINT  NOT NULL,
    recorded_by  TEXT    NOT NULL
);
CREATE INDEX asset_moves_asset ON asset_moves (asset_id, id);

CREATE TABLE asset_valuations (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_id     BIGINT  NOT NULL REFERENCES assets (id),
    valued_on    TEXT    NOT NULL,
    amount       BIGINT  NOT NULL,
    basis        TEXT    NOT NULL,
    recorded_at  BIGINT  NOT NULL,
    recorded_by  TEXT    NOT NULL
);
CREATE INDEX asset_valuations_asset ON asset_valuations (asset_id, id);

-- Leases: what rent is expected; what was received is in the ledger (income:leases).
CREATE TABLE asset_leases (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_id      BIGINT  NOT NULL REFERENCES assets (id),
    monthly_rent  BIGINT  NOT NULL,
    starts_on     TEXT    NOT NULL,
    ends_on       TEXT,
    recorded_at   BIGINT  NOT NULL,
    recorded_by   TEXT    NOT NULL
);
CREATE INDEX asset_leases_asset ON asset_leases (asset_id, id);

-- An asset's money trail: the transfers that name it.
CREATE INDEX ledger_transfers_asset ON ledger_transfers (ref_asset) WHERE ref_asset IS NOT NULL;
