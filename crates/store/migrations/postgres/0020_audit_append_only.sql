-- The audit trail is append-only: entries cannot be changed or removed (nor the table emptied),
-- and the chain head only moves forward, to an entry that exists with that hash. Defence in
-- depth: the tables' owner can drop these triggers, which is why the application should run as
-- a role that owns nothing (see docs/security.md) and why signed checkpoints are kept outside
-- the database.

CREATE FUNCTION redress_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION redress_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION redress_audit_append_only();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION redress_audit_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION redress_audit_append_only();

CREATE FUNCTION redress_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <= OLD.seq
        OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'the audit chain head only moves forward, to an entry that exists';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_head_only_forward BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION redress_audit_head_forward();
