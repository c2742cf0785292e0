//! What the connected PostgreSQL role may do to the audit trail. The append-only triggers stop
//! the application's own statements, but a role that owns the tables (or is a superuser) can drop
//! them, and a role with UPDATE or DELETE rights needs only that. The binary warns at start-up
//! with the SQL that fixes it; `docs/security.md` describes the set-up in full.

use redress_app::settings::Engine;

use crate::sql::{classify, get};
use crate::SqlStore;

/// The connected role's rights over the audit tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPrivileges {
    pub role: String,
    /// The role owns the audit tables or is a superuser: it can drop the triggers.
    pub owns_or_superuser: bool,
    /// UPDATE, DELETE or TRUNCATE rights it holds on `audit_log` / `audit_head`, as `table:RIGHT`.
    pub rights: Vec<String>,
}

impl AuditPrivileges {
    /// Whether the role can neither change nor remove audit entries.
    pub fn is_safe(&self) -> bool {
        !self.owns_or_superuser && self.rights.is_empty()
    }

    /// A warning in English with the SQL that fixes the set-up.
    pub fn advice(&self) -> String {
        let role = &self.role;
        if self.owns_or_superuser {
            format!(
                "the database role \"{role}\" owns the audit tables (or is a superuser), so it can drop the \
                 append-only triggers and rewrite the audit trail. Run the server as a role that owns nothing; \
                 as the owner, once: CREATE ROLE redress_app LOGIN PASSWORD '...'; \
                 GRANT USAGE ON SCHEMA public TO redress_app; \
                 GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO redress_app; \
                 GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO redress_app; \
                 REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM redress_app; \
                 REVOKE DELETE, TRUNCATE ON audit_head FROM redress_app; \
                 then set database.url to redress_app (run upgrades as the owner: see docs/security.md)"
            )
        } else {
            format!(
                "the database role \"{role}\" holds {} on the audit trail and could rewrite it. As the tables' \
                 owner, run: REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM \"{role}\"; \
                 REVOKE DELETE, TRUNCATE ON audit_head FROM \"{role}\";",
                self.rights.join(", ")
            )
        }
    }
}

const QUERY: &str = "SELECT current_user::text AS role, \
     (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser, \
     pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'audit_log'::regclass), 'MEMBER') AS owns_log, \
     pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'audit_head'::regclass), 'MEMBER') AS owns_head, \
     has_table_privilege('audit_log', 'UPDATE') AS log_update, \
     has_table_privilege('audit_log', 'DELETE') AS log_delete, \
     has_table_privilege('audit_log', 'TRUNCATE') AS log_truncate, \
     has_table_privilege('audit_head', 'DELETE') AS head_delete, \
     has_table_privilege('audit_head', 'TRUNCATE') AS head_truncate";

impl SqlStore {
    /// The connected role's rights over the audit trail; `None` on SQLite, where whoever can
    /// write the file can do anything (the checkpoints are the defence there).
    pub async fn audit_privileges(&self) -> redress_app::store::StoreResult<Option<AuditPrivileges>> {
        if self.engine_kind() != Engine::Postgres {
            return Ok(None);
        }
        let row = sqlx::query(QUERY).fetch_one(self.pool()).await.map_err(classify)?;
        let mut rights = Vec::new();
        for (column, right) in [
            ("log_update", "audit_log:UPDATE"),
            ("log_delete", "audit_log:DELETE"),
            ("log_truncate", "audit_log:TRUNCATE"),
            ("head_delete", "audit_head:DELETE"),
            ("head_truncate", "audit_head:TRUNCATE"),
        ] {
            if get::<bool>(&row, column)? {
                rights.push(right.to_string());
            }
        }
        let owns_or_superuser = get::<bool>(&row, "superuser")?
            || get::<bool>(&row, "owns_log")?
            || get::<bool>(&row, "owns_head")?;
        Ok(Some(AuditPrivileges { role: get(&row, "role")?, owns_or_superuser, rights }))
    }
}
