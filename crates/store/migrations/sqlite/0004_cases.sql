-- Criminal cases, their stage history, defendants and victims.

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    prosecutor_file   TEXT    NOT NULL UNIQUE,
    court_file        TEXT,
    jurisdiction      TEXT    NOT NULL,
    offences          TEXT    NOT NULL,
    stage             TEXT    NOT NULL,
    stage_changed_on  TEXT    NOT NULL,
    cross_border      BIGINT  NOT NULL,
    partner_country   TEXT,
    tracing_notes     TEXT,
    institution_id    BIGINT  NOT NULL REFERENCES institutions (id),
    court_id          BIGINT  REFERENCES institutions (id),
    created_at        BIGINT  NOT NULL,
    created_by        TEXT    NOT NULL
);

CREATE TABLE case_stage_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      BIGINT  NOT NULL REFERENCES cases (id),
    from_stage   TEXT,
    to_stage     TEXT    NOT NULL,
    on_date      TEXT    NOT NULL,
    recorded_at  BIGINT  NOT NULL,
    recorded_by  TEXT    NOT NULL
);
CREATE INDEX case_stage_changes_case ON case_stage_changes (case_id, id);

CREATE TABLE case_defendants (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  BIGINT  NOT NULL REFERENCES cases (id),
    name     TEXT    NOT NULL
);
CREATE INDEX case_defendants_case ON case_defendants (case_id);

CREATE TABLE case_victims (
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    victim_id  BIGINT NOT NULL REFERENCES victims (id),
    PRIMARY KEY (case_id, victim_id)
);
CREATE INDEX case_victims_victim ON case_victims (victim_id);
