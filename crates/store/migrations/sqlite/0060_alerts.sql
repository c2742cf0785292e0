-- Alerts (reported or suspected cases, without a victim's identity), the institutions they
-- concern, their 24-hour meeting and the history of their states (docs/response.md).
-- States, urgencies and closure reasons are checked as migration 0050 checks the others: on
-- SQLite by triggers `<table>_values_insert`/`_update` (see 0050 for why triggers).

CREATE TABLE alerts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    summary           TEXT    NOT NULL,
    reported_at       BIGINT  NOT NULL,
    meeting_due       BIGINT  NOT NULL,
    place             TEXT,
    urgency           TEXT    NOT NULL,
    minors_involved   BIGINT  NOT NULL,
    origin_country    TEXT,
    state             TEXT    NOT NULL,
    institution_id    BIGINT  NOT NULL REFERENCES institutions (id),
    scheduled_for     BIGINT,
    held_at           BIGINT,
    decisions         TEXT,
    closure_reason    TEXT,
    case_id           BIGINT  REFERENCES cases (id),
    created_at        BIGINT  NOT NULL,
    created_by        TEXT    NOT NULL
);
CREATE INDEX alerts_waiting ON alerts (state, meeting_due);
CREATE INDEX alerts_institution ON alerts (institution_id, id);

CREATE TABLE alert_institutions (
    alert_id        BIGINT NOT NULL REFERENCES alerts (id),
    institution_id  BIGINT NOT NULL REFERENCES institutions (id),
    PRIMARY KEY (alert_id, institution_id)
);
CREATE INDEX alert_institutions_institution ON alert_institutions (institution_id, alert_id);

CREATE TABLE alert_participants (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id        BIGINT NOT NULL REFERENCES alerts (id),
    institution_id  BIGINT REFERENCES institutions (id),
    name            TEXT   NOT NULL
);
CREATE INDEX alert_participants_alert ON alert_participants (alert_id, id);

CREATE TABLE alert_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id     BIGINT NOT NULL REFERENCES alerts (id),
    from_state   TEXT,
    to_state     TEXT   NOT NULL,
    at           BIGINT NOT NULL,
    recorded_by  TEXT   NOT NULL
);
CREATE INDEX alert_changes_alert ON alert_changes (alert_id, id);

CREATE TRIGGER alerts_values_insert BEFORE INSERT ON alerts
WHEN NOT (NEW.urgency IN ('immediate', 'high', 'normal')
    AND NEW.state IN ('open', 'meeting_convened', 'meeting_held', 'confirmed', 'closed')
    AND NEW.minors_involved IN (0, 1)
    AND (NEW.closure_reason IS NULL OR NEW.closure_reason IN ('unfounded', 'duplicate', 'referred_elsewhere')))
BEGIN
    SELECT RAISE(ABORT, 'alerts: a value is out of range (see migration 0060)');
END;

CREATE TRIGGER alerts_values_update BEFORE UPDATE ON alerts
WHEN NOT (NEW.urgency IN ('immediate', 'high', 'normal')
    AND NEW.state IN ('open', 'meeting_convened', 'meeting_held', 'confirmed', 'closed')
    AND NEW.minors_involved IN (0, 1)
    AND (NEW.closure_reason IS NULL OR NEW.closure_reason IN ('unfounded', 'duplicate', 'referred_elsewhere')))
BEGIN
    SELECT RAISE(ABORT, 'alerts: a value is out of range (see migration 0060)');
END;

CREATE TRIGGER alert_changes_values_insert BEFORE INSERT ON alert_changes
WHEN NOT ((NEW.from_state IS NULL OR NEW.from_state IN ('open', 'meeting_convened', 'meeting_held', 'confirmed', 'closed'))
    AND NEW.to_state IN ('open', 'meeting_convened', 'meeting_held', 'confirmed', 'closed'))
BEGIN
    SELECT RAISE(ABORT, 'alert_changes: a value is out of range (see migration 0060)');
END;

CREATE TRIGGER alert_changes_values_update BEFORE UPDATE ON alert_changes
WHEN NOT ((NEW.from_state IS NULL OR NEW.from_state IN ('open', 'meeting_convened', 'meeting_held', 'confirmed', 'closed'))
    AND NEW.to_state IN ('open', 'meeting_convened', 'meeting_held', 'confirmed', 'closed'))
BEGIN
    SELECT RAISE(ABORT, 'alert_changes: a value is out of range (see migration 0060)');
END;
