//! Administering users: deactivate and reactivate, reset a password (the user must choose a new
//! one at the next login), change roles and institution, and unlock a user locked out by failed
//! logins. Administrators only (the operator at the server's command line too); every change is
//! audited in the same transaction, and deactivating, resetting or moving a user ends their
//! sessions. An administrator cannot deactivate themself or take away their own admin role, so
//! that the last administrator cannot lock everyone out by mistake.

use redress_domain::policy::rules;
use redress_domain::{FieldError, FieldErrors, InstitutionId, Password, Role, Secret, UserId};
use serde_json::json;

use crate::accounts::{audit_event, parse_roles, User};
use crate::password::{generate_password, hash_password};
use crate::store::{UserRecord, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// Audited names of the changes.
pub mod actions {
    pub const DEACTIVATE: &str = "user.deactivate";
    pub const REACTIVATE: &str = "user.reactivate";
    pub const PASSWORD_RESET: &str = "user.password_reset";
    pub const ROLES_CHANGE: &str = "user.roles_change";
    pub const INSTITUTION_CHANGE: &str = "user.institution_change";
    pub const UNLOCK: &str = "user.unlock";
}

/// A password reset: the user, and the one-time password to hand over (shown once).
#[derive(Debug)]
pub struct PasswordReset {
    pub user: User,
    pub password: Secret<String>,
}

impl App {
    /// The user with this username, for an administrator (the CLI names users by username).
    pub async fn user_by_username(&self, actor: &Actor, username: &str) -> Result<User, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let name = redress_domain::Username::parse(username)?;
        let record = self.store.read().await?.user_by_username(name.as_str()).await?;
        record.map(User::from).ok_or_else(|| AppError::NotFound(format!("no user is named {name}")))
    }

    /// The user with this id, for an administrator.
    pub async fn user_by_id(&self, actor: &Actor, id: i64) -> Result<User, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let record = self.store.read().await?.user_by_id(UserId(id)).await?;
        record.map(User::from).ok_or_else(|| AppError::NotFound(format!("user {id}")))
    }

    /// Whether failed logins have locked this user out for now (an administrator may unlock).
    pub async fn user_locked_out(&self, actor: &Actor, username: &str) -> Result<bool, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let security = &self.settings.security;
        let since = self.clock.now().minus_seconds(security.login_failure_window_seconds);
        let failures =
            self.store.read().await?.login_failures_since(&format!("user:{username}"), since).await?;
        Ok(failures >= security.login_failures_max)
    }

    /// The id of the institution with this exact name, for an administrator.
    pub async fn institution_id_by_name(&self, actor: &Actor, name: &str) -> Result<i64, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let name = redress_domain::InstitutionName::parse(name)?;
        let found = self.store.read().await?.institution_by_name(name.as_str()).await?;
        found
            .map(|i| i.id.0)
            .ok_or_else(|| FieldError::new("institution", "no institution has this name").into())
    }

    /// Deactivates a user: they cannot log in, and their sessions end. Their records stay.
    pub async fn deactivate_user(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<User, AppError> {
        if actor.user_id == Some(UserId(id)) {
            return Err(AppError::Refused(FieldError::new("id", "you cannot deactivate yourself")));
        }
        self.change_user(actor, context, id, actions::DEACTIVATE, |tx, user, now| {
            Box::pin(async move {
                tx.set_user_deactivated(user.id, Some(now)).await?;
                let ended = tx.delete_sessions_of_user(user.id, None).await?;
                Ok(json!({"sessions_ended": ended}))
            })
        })
        .await
    }

    pub async fn reactivate_user(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<User, AppError> {
        self.change_user(actor, context, id, actions::REACTIVATE, |tx, user, _| {
            Box::pin(async move {
                tx.set_user_deactivated(user.id, None).await?;
                Ok(json!({}))
            })
        })
        .await
    }

    /// Sets a new random password that the user must change at the next login (until then the
    /// session can only change it), ends their sessions and clears their failed logins.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<PasswordReset, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let text = generate_password();
        let password = Password::parse(&text, &self.settings.security.password_rules(), None)?;
        let hash = hash_password(&password).await?;
        let user = self
            .change_user(actor, context, id, actions::PASSWORD_RESET, |tx, user, now| {
                Box::pin(async move {
                    tx.set_password_hash(user.id, &hash, now).await?;
                    tx.set_must_change_password(user.id, true).await?;
                    tx.clear_login_failures(&format!("user:{}", user.username)).await?;
                    let ended = tx.delete_sessions_of_user(user.id, None).await?;
                    Ok(json!({"sessions_ended": ended}))
                })
            })
            .await?;
        Ok(PasswordReset { user, password: Secret::new(text) })
    }

    /// Replaces a user's roles (they apply from the user's next request).
    pub async fn set_user_roles(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        roles: &[String],
    ) -> Result<User, AppError> {
        let mut errors = FieldErrors::new();
        let roles = parse_roles(roles, &mut errors);
        errors.into_result()?;
        if actor.user_id == Some(UserId(id)) && !roles.contains(&Role::Admin) {
            return Err(AppError::Refused(FieldError::new(
                "roles",
                "you cannot take away your own admin role",
            )));
        }
        self.change_user(actor, context, id, actions::ROLES_CHANGE, |tx, user, _| {
            Box::pin(async move {
                let before: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
                tx.set_user_roles(user.id, &roles).await?;
                let after: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                Ok(json!({"before": before, "after": after}))
            })
        })
        .await
    }

    /// Moves a user to another (existing) institution and ends their sessions.
    pub async fn set_user_institution(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        institution_id: i64,
    ) -> Result<User, AppError> {
        self.change_user(actor, context, id, actions::INSTITUTION_CHANGE, |tx, user, _| {
            Box::pin(async move {
                let institution = tx
                    .institution_by_id(InstitutionId(institution_id))
                    .await?
                    .ok_or_else(|| FieldError::new("institution_id", "no institution has this id"))?;
                tx.set_user_institution(user.id, institution.id).await?;
                let ended = tx.delete_sessions_of_user(user.id, None).await?;
                Ok(json!({"before": user.institution, "after": institution.name, "sessions_ended": ended}))
            })
        })
        .await
    }

    /// Clears a user's failed logins, so a locked-out user may log in again at once.
    pub async fn unlock_user(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
    ) -> Result<User, AppError> {
        self.change_user(actor, context, id, actions::UNLOCK, |tx, user, _| {
            Box::pin(async move {
                tx.clear_login_failures(&format!("user:{}", user.username)).await?;
                Ok(json!({}))
            })
        })
        .await
    }

    /// Runs one change on user `id` under the write lock with its audit entry, and returns the
    /// user as it is afterwards.
    async fn change_user<F>(
        &self,
        actor: &Actor,
        context: &RequestContext,
        id: i64,
        action_name: &str,
        change: F,
    ) -> Result<User, AppError>
    where
        F: for<'a> FnOnce(
            &'a mut Box<dyn WriteTx>,
            UserRecord,
            redress_domain::Timestamp,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<serde_json::Value, AppError>> + Send + 'a>,
        >,
    {
        actor.require(rules::ADMINISTER_USERS)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let user =
            tx.user_by_id(UserId(id)).await?.ok_or_else(|| AppError::NotFound(format!("user {id}")))?;
        let target = Some(("user", user.id.to_string()));
        let username = user.username.clone();
        let mut details = change(&mut tx, user, now).await?;
        details["username"] = json!(username);
        tx.append_audit(audit_event(actor, context, now, action_name, target, details)).await?;
        let user =
            tx.user_by_id(UserId(id)).await?.ok_or_else(|| AppError::NotFound(format!("user {id}")))?;
        tx.commit().await?;
        Ok(User::from(user))
    }
}
