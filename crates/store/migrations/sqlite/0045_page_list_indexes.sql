-- Indexes for the pages' lists (docs/web.md): each list is newest first, a page at a time, with
-- its filters answered from an index range rather than a scan of the table.
-- Cases of an office (opened by it) or of a court (at it), and by stage.
CREATE INDEX cases_institution_id ON cases (institution_id, id);
CREATE INDEX cases_court_id ON cases (court_id, id);
CREATE INDEX cases_stage_id ON cases (stage, id);
-- The audit trail by user and by action (dates are ranges of `at`, which grows with `seq`).
CREATE INDEX audit_log_actor_seq ON audit_log (actor, seq);
CREATE INDEX audit_log_action_seq ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);
