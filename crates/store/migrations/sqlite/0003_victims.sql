-- Victims. The identity is stored only sealed (encrypted, bound to the code); what statistics
-- need is kept in clear and is coarse on purpose. `document_index` is a keyed hash of the
-- normalised document for exact look-ups and duplicate detection.

CREATE TABLE victims (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    code                  TEXT    NOT NULL UNIQUE,
    year                  BIGINT  NOT NULL,
    number                BIGINT  NOT NULL,
    institution_id        BIGINT  NOT NULL REFERENCES institutions (id),
    identity              TEXT    NOT NULL,
    document_index        TEXT    NOT NULL,
    sex                   TEXT    NOT NULL,
    nationality           TEXT    NOT NULL,
    age_band              TEXT    NOT NULL,
    minor                 BIGINT  NOT NULL,
    region                TEXT,
    exploitation          TEXT,
    consent_given_at      BIGINT  NOT NULL,
    consent_scope         TEXT    NOT NULL,
    consent_withdrawn_at  BIGINT,
    created_at            BIGINT  NOT NULL,
    created_by            TEXT    NOT NULL,
    UNIQUE (year, number)
);
CREATE INDEX victims_document ON victims (document_index);
CREATE INDEX victims_institution ON victims (institution_id);

-- One sealed, known value per data key: a server started with the wrong key file is stopped
-- before it writes anything it could not read back.
CREATE TABLE data_key_checks (
    key_id  TEXT NOT NULL PRIMARY KEY,
    sealed  TEXT NOT NULL
);

-- Victims referred by the registering institution to another one, whose victim services then
-- see them as their own.
CREATE TABLE victim_referrals (
    victim_id       BIGINT NOT NULL REFERENCES victims (id),
    institution_id  BIGINT NOT NULL REFERENCES institutions (id),
    referred_at     BIGINT NOT NULL,
    referred_by     TEXT   NOT NULL,
    PRIMARY KEY (victim_id, institution_id)
);
