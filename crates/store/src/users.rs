//! Administering users: deactivation, forced password changes, roles and institution.

use async_trait::async_trait;
use redress_app::store::{StoreResult, UserAdminWrites};
use redress_domain::{InstitutionId, Role, Timestamp, UserId};

use crate::sql::{classify, SqlTx};

#[async_trait]
impl UserAdminWrites for SqlTx {
    async fn set_user_deactivated(&mut self, user: UserId, at: Option<Timestamp>) -> StoreResult<()> {
        sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
            .bind(at.map(Timestamp::unix_micros))
            .bind(user.0)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn set_must_change_password(&mut self, user: UserId, required: bool) -> StoreResult<()> {
        sqlx::query("UPDATE users SET must_change_password = $1 WHERE id = $2")
            .bind(i64::from(required))
            .bind(user.0)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn set_user_roles(&mut self, user: UserId, roles: &[Role]) -> StoreResult<()> {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        for role in roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(user.0)
                .bind(role.as_str())
                .execute(&mut *self.tx)
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    async fn set_user_institution(&mut self, user: UserId, institution: InstitutionId) -> StoreResult<()> {
        sqlx::query("UPDATE users SET institution_id = $1 WHERE id = $2")
            .bind(institution.0)
            .bind(user.0)
            .execute(&mut *self.tx)
            .await
            .map_err(classify)?;
        Ok(())
    }
}
