//! Institutions, users, sessions: bootstrap, administration, login, logout, password change.

use redress_domain::audit::{action, AuditEvent};
use redress_domain::policy::rules;
use redress_domain::{
    FieldError, FieldErrors, InstitutionId, InstitutionKind, InstitutionName, Password, Role, Secret,
    Timestamp, UserId, Username,
};
use serde::Serialize;
use serde_json::json;

use crate::password::{
    constant_time_equal, dummy_hash, generate_password, hash_password, random_token, token_digest,
    verify_password,
};
use crate::store::{Institution, NewUser, Page, SessionRecord, UserRecord, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

/// The largest page any list returns.
pub const PAGE_LIMIT_MAX: i64 = 500;
/// A session's last-seen time is written at most this often (it bounds idle-expiry precision),
/// and more often when the idle timeout is short: see [`session_touch_interval_seconds`].
pub const SESSION_TOUCH_INTERVAL_SECONDS: i64 = 60;

/// How stale a session's last-seen time may get before a request refreshes it: a quarter of the
/// idle timeout, at most [`SESSION_TOUCH_INTERVAL_SECONDS`], so that someone active is never
/// logged out for being idle however short the timeout.
pub fn session_touch_interval_seconds(idle_seconds: i64) -> i64 {
    (idle_seconds / 4).clamp(1, SESSION_TOUCH_INTERVAL_SECONDS)
}

/// A user as shown to administrators and to the user themself. No password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub institution_id: InstitutionId,
    pub institution: String,
    pub roles: Vec<Role>,
    pub created_at: Timestamp,
    /// `false` once an administrator deactivated the user.
    pub active: bool,
    /// The password was reset: it must be changed before anything else.
    pub must_change_password: bool,
}

impl From<UserRecord> for User {
    fn from(record: UserRecord) -> Self {
        User {
            active: record.deactivated_at.is_none(),
            must_change_password: record.must_change_password,
            id: record.id,
            username: record.username,
            display_name: record.display_name,
            institution_id: record.institution_id,
            institution: record.institution,
            roles: record.roles,
            created_at: record.created_at,
        }
    }
}

/// Which institution a new user joins.
#[derive(Debug, Clone)]
pub enum InstitutionChoice {
    /// An existing institution (the API).
    Id(i64),
    /// By name, created (kind `other`) when it does not exist yet (the CLI).
    NameOrCreate(String),
}

/// A request to create a user, as received (unparsed).
#[derive(Debug, Clone)]
pub struct CreateUser {
    pub username: String,
    pub display_name: Option<String>,
    pub institution: InstitutionChoice,
    pub roles: Vec<String>,
    pub password: Secret<String>,
}

/// What a successful login hands back.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The bearer token; also set as the session cookie. Shown once, stored only as a digest.
    pub token: Secret<String>,
    /// To be echoed in `X-CSRF-Token` on state-changing requests made with the cookie.
    pub csrf_token: String,
    pub expires_at: Timestamp,
    pub user: User,
}

/// The first administrator, created on the first start of an empty database.
#[derive(Debug, Clone)]
pub struct BootstrapAdmin {
    pub username: String,
    pub password: Secret<String>,
}

/// Builds the audit event of something `actor` did.
pub(crate) fn audit_event(
    actor: &Actor,
    context: &RequestContext,
    at: Timestamp,
    action: &str,
    target: Option<(&str, String)>,
    details: serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        at,
        actor_user_id: actor.user_id.map(|id| id.0),
        actor: actor.username.clone(),
        institution: actor.institution.clone(),
        action: action.to_string(),
        target_type: target.as_ref().map(|(kind, _)| kind.to_string()),
        target_id: target.map(|(_, id)| id),
        purpose: None,
        request_id: context.request_id.clone(),
        details: details.to_string(),
    }
}

pub(crate) fn page(after: Option<i64>, limit: Option<i64>) -> Result<Page, AppError> {
    let limit = limit.unwrap_or(100);
    if !(1..=PAGE_LIMIT_MAX).contains(&limit) {
        return Err(FieldError::new("limit", format!("must be between 1 and {PAGE_LIMIT_MAX}")).into());
    }
    Ok(Page { after, limit })
}

pub(crate) fn parse_roles(roles: &[String], errors: &mut FieldErrors) -> Vec<Role> {
    if roles.is_empty() {
        errors.push(FieldError::new("roles", "at least one role is required"));
    }
    let mut parsed: Vec<Role> = Vec::new();
    for (index, name) in roles.iter().enumerate() {
        if let Some(role) = errors.check(Role::parse(name).map_err(|e| e.at(format!("roles[{index}]")))) {
            if !parsed.contains(&role) {
                parsed.push(role);
            }
        }
    }
    parsed.sort();
    parsed
}

impl App {
    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// On an empty database, creates the bootstrap institution and an administrator with a
    /// random password, and returns the password (to be shown once). With any user present it
    /// does nothing and returns `None` — whether called again or by a second server process.
    pub async fn bootstrap(&self) -> Result<Option<BootstrapAdmin>, AppError> {
        {
            let mut tx = self.store.read().await?;
            if tx.user_count().await? > 0 {
                return Ok(None);
            }
        }
        let settings = &self.settings.bootstrap;
        let username = Username::parse(&settings.admin_username)?;
        let institution_name = InstitutionName::parse(&settings.institution)?;
        let password_text = generate_password();
        let password = Password::parse(&password_text, &self.settings.security.password_rules(), None)?;
        let hash = hash_password(&password).await?;

        let mut tx = self.store.write().await?;
        // Checked again under the write lock: another process may have bootstrapped meanwhile.
        if tx.user_count().await? > 0 {
            return Ok(None);
        }
        let now = self.now();
        let institution_id = match tx.institution_by_name(institution_name.as_str()).await? {
            Some(existing) => existing.id,
            None => tx.insert_institution(institution_name.as_str(), InstitutionKind::FundUnit, now).await?,
        };
        let user_id = tx
            .insert_user(&NewUser {
                username: username.as_str().to_string(),
                display_name: None,
                institution_id,
                roles: vec![Role::Admin],
                password_hash: hash,
                created_at: now,
            })
            .await?;
        let event = audit_event(
            &Actor::system(),
            &RequestContext::default(),
            now,
            action::SYSTEM_BOOTSTRAP,
            Some(("user", user_id.to_string())),
            json!({"username": username.as_str(), "roles": ["admin"], "institution_id": institution_id}),
        );
        tx.append_audit(event).await?;
        tx.commit().await?;
        tracing::info!(username = username.as_str(), "created the first administrator");
        Ok(Some(BootstrapAdmin {
            username: username.as_str().to_string(),
            password: Secret::new(password_text),
        }))
    }

    pub async fn create_institution(
        &self,
        actor: &Actor,
        context: &RequestContext,
        name: &str,
        kind: &str,
    ) -> Result<Institution, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let mut errors = FieldErrors::new();
        let name = errors.check(InstitutionName::parse(name).map_err(|e| e.at("name")));
        let kind = errors.check(InstitutionKind::parse(kind));
        errors.into_result()?;
        let (Some(name), Some(kind)) = (name, kind) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let mut tx = self.store.write().await?;
        let institution = self.insert_institution(&mut *tx, actor, context, &name, kind).await?;
        tx.commit().await?;
        Ok(institution)
    }

    async fn insert_institution(
        &self,
        tx: &mut dyn WriteTx,
        actor: &Actor,
        context: &RequestContext,
        name: &InstitutionName,
        kind: InstitutionKind,
    ) -> Result<Institution, AppError> {
        if tx.institution_by_name(name.as_str()).await?.is_some() {
            return Err(AppError::Conflict(FieldError::new(
                "name",
                "an institution with this name already exists",
            )));
        }
        let now = self.now();
        let id = tx.insert_institution(name.as_str(), kind, now).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            action::INSTITUTION_CREATE,
            Some(("institution", id.to_string())),
            json!({"name": name.as_str(), "kind": kind.as_str()}),
        ))
        .await?;
        Ok(Institution { id, name: name.as_str().to_string(), kind, created_at: now })
    }

    pub async fn list_institutions(
        &self,
        actor: &Actor,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<Institution>, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let page = page(after, limit)?;
        Ok(self.store.read().await?.institutions(page).await?)
    }

    /// Creates a user. Every field is checked first and all problems reported together; the
    /// password is hashed before the write lock is taken; then, under the lock, the username
    /// must be free and the institution must exist (or, from the CLI, is created).
    pub async fn create_user(
        &self,
        actor: &Actor,
        context: &RequestContext,
        request: CreateUser,
    ) -> Result<User, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let mut errors = FieldErrors::new();
        let username = errors.check(Username::parse(&request.username));
        let display_name = match request.display_name.as_deref() {
            None => None,
            Some(text) => errors.check(redress_domain::user::parse_name("display_name", text, 200)),
        };
        let roles = parse_roles(&request.roles, &mut errors);
        let institution_name = match &request.institution {
            InstitutionChoice::Id(_) => None,
            InstitutionChoice::NameOrCreate(name) => errors.check(InstitutionName::parse(name)),
        };
        let password = errors
            .check(Password::parse(
                request.password.expose(),
                &self.settings.security.password_rules(),
                username.as_ref(),
            ))
            .and_then(|password| {
                let inputs = [request.username.as_str(), request.display_name.as_deref().unwrap_or_default()];
                errors.check(crate::password::check_strength(&password, &inputs)).map(|()| password)
            });
        errors.into_result()?;
        let (Some(username), Some(password)) = (username, password) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let hash = hash_password(&password).await?;

        let mut tx = self.store.write().await?;
        if tx.user_by_username(username.as_str()).await?.is_some() {
            return Err(AppError::Conflict(FieldError::new("username", "this username is already taken")));
        }
        let institution = match (&request.institution, institution_name) {
            (InstitutionChoice::Id(id), _) => tx
                .institution_by_id(InstitutionId(*id))
                .await?
                .ok_or_else(|| FieldError::new("institution_id", "no institution has this id"))?,
            (InstitutionChoice::NameOrCreate(_), Some(name)) => {
                match tx.institution_by_name(name.as_str()).await? {
                    Some(existing) => existing,
                    None => {
                        self.insert_institution(&mut *tx, actor, context, &name, InstitutionKind::Other)
                            .await?
                    }
                }
            }
            (InstitutionChoice::NameOrCreate(_), None) => {
                return Err(AppError::Internal("validated institution missing".into()))
            }
        };
        let now = self.now();
        let id = tx
            .insert_user(&NewUser {
                username: username.as_str().to_string(),
                display_name: display_name.clone(),
                institution_id: institution.id,
                roles: roles.clone(),
                password_hash: hash,
                created_at: now,
            })
            .await?;
        let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            action::USER_CREATE,
            Some(("user", id.to_string())),
            json!({"username": username.as_str(), "roles": role_names, "institution_id": institution.id}),
        ))
        .await?;
        tx.commit().await?;
        Ok(User {
            id,
            username: username.as_str().to_string(),
            display_name,
            institution_id: institution.id,
            institution: institution.name,
            roles,
            created_at: now,
            active: true,
            must_change_password: false,
        })
    }

    pub async fn list_users(
        &self,
        actor: &Actor,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<User>, AppError> {
        actor.require(rules::ADMINISTER_USERS)?;
        let page = page(after, limit)?;
        let records = self.store.read().await?.users(page).await?;
        Ok(records.into_iter().map(User::from).collect())
    }

    /// Checks a username and password and opens a session. Failures are counted per username
    /// and per client address in the database (so the limit holds across server processes),
    /// audited, and answered identically whether or not the user exists.
    pub async fn login(
        &self,
        context: &RequestContext,
        username: &str,
        password: Secret<String>,
    ) -> Result<LoginOutcome, AppError> {
        let security = &self.settings.security;
        let now = self.now();
        let window_start = now.minus_seconds(security.login_failure_window_seconds);
        let parsed = Username::parse(username).ok();
        let user_key = parsed.as_ref().map(|u| format!("user:{u}"));
        let address_key = context.client_address.as_ref().map(|a| format!("address:{a}"));

        let user = self
            .unless_rate_limited(user_key.as_deref(), address_key.as_deref(), window_start, parsed.as_ref())
            .await?;

        let hash = user.as_ref().map_or_else(dummy_hash, |u| u.password_hash.clone());
        let matches = verify_password(hash, password).await? && user.is_some();

        let mut tx = self.store.write().await?;
        // A deactivated user is answered like a wrong password.
        let Some(user) = user.filter(|u| matches && u.deactivated_at.is_none()) else {
            record_failed_login(&mut *tx, context, now, [&user_key, &address_key], parsed.as_ref()).await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated);
        };

        if let Some(key) = &user_key {
            tx.clear_login_failures(key).await?;
        }
        tx.delete_sessions_expired(now, now.minus_seconds(security.session_idle_minutes.saturating_mul(60)))
            .await?;
        tx.delete_login_failures_before(window_start).await?;
        let token = random_token();
        let session = SessionRecord {
            id: token_digest(&token),
            user_id: user.id,
            csrf_token: random_token(),
            created_at: now,
            expires_at: now.plus_seconds(security.session_lifetime_minutes.saturating_mul(60)),
            last_seen_at: now,
            client_address: context.client_address.clone(),
            user_agent: context.user_agent.as_ref().map(|agent| agent.chars().take(300).collect()),
        };
        tx.insert_session(&session).await?;
        let actor = actor_of(&user, Some(session.id.clone()));
        tx.append_audit(audit_event(
            &actor,
            context,
            now,
            action::SESSION_CREATE,
            Some(("user", user.id.to_string())),
            json!({"client_address": context.client_address}),
        ))
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome {
            token: Secret::new(token),
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
            user: User::from(user),
        })
    }

    /// The user named (if any), unless too many logins failed lately for that name or from
    /// that address.
    async fn unless_rate_limited(
        &self,
        user_key: Option<&str>,
        address_key: Option<&str>,
        window_start: Timestamp,
        name: Option<&Username>,
    ) -> Result<Option<UserRecord>, AppError> {
        let security = &self.settings.security;
        let mut tx = self.store.read().await?;
        for (key, max) in
            [(user_key, security.login_failures_max), (address_key, security.login_failures_per_address_max)]
        {
            let Some(key) = key else { continue };
            if tx.login_failures_since(key, window_start).await? >= max {
                return Err(AppError::RateLimited {
                    retry_after_seconds: security.login_failure_window_seconds.unsigned_abs(),
                });
            }
        }
        Ok(match name {
            Some(name) => tx.user_by_username(name.as_str()).await?,
            None => None,
        })
    }

    /// Resolves a bearer token or session cookie to the acting user with their current roles.
    /// Returns the session's CSRF token too, for the web layer's double-submit check.
    pub async fn authenticate(&self, token: &str) -> Result<(Actor, String), AppError> {
        if token.is_empty() || token.len() > 128 {
            return Err(AppError::Unauthenticated);
        }
        let now = self.now();
        let id = token_digest(token);
        let idle_seconds = self.settings.security.session_idle_minutes.saturating_mul(60);
        let (session, user) = {
            let mut tx = self.store.read().await?;
            let Some(session) = tx.session(&id).await? else {
                return Err(AppError::Unauthenticated);
            };
            if now >= session.expires_at || now >= session.last_seen_at.plus_seconds(idle_seconds) {
                return Err(AppError::Unauthenticated);
            }
            let Some(user) = tx.user_by_id(session.user_id).await? else {
                return Err(AppError::Unauthenticated);
            };
            if user.deactivated_at.is_some() {
                return Err(AppError::Unauthenticated);
            }
            (session, user)
        };
        if now >= session.last_seen_at.plus_seconds(session_touch_interval_seconds(idle_seconds)) {
            // Bookkeeping, not an act of the user: not audited.
            let mut tx = self.store.write().await?;
            tx.touch_session(&session.id, now).await?;
            tx.commit().await?;
        }
        let mut actor = actor_of(&user, Some(session.id));
        if user.must_change_password {
            // Confined to changing the password: with no role, every route but the session's
            // own (me, password, logout) is refused.
            actor.roles.clear();
        }
        Ok((actor, session.csrf_token))
    }

    pub async fn logout(&self, actor: &Actor, context: &RequestContext) -> Result<(), AppError> {
        let Some(session_id) = &actor.session_id else {
            return Err(AppError::Unauthenticated);
        };
        let mut tx = self.store.write().await?;
        if tx.delete_session(session_id).await? {
            tx.append_audit(audit_event(
                actor,
                context,
                self.now(),
                action::SESSION_DELETE,
                actor.user_id.map(|id| ("user", id.to_string())),
                json!({}),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The operator at the command line acting as an existing user, with that user's roles: so
    /// that `redress ledger transfer --as mrojas` is checked and audited as mrojas's act.
    pub async fn act_as(&self, username: &str) -> Result<Actor, AppError> {
        let name = Username::parse(username).map_err(|e| e.at("as"))?;
        let user = self
            .store
            .read()
            .await?
            .user_by_username(name.as_str())
            .await?
            .ok_or_else(|| FieldError::new("as", format!("no user named {name}")))?;
        let mut actor = actor_of(&user, None);
        actor.username = format!("{} (cli)", user.username);
        Ok(actor)
    }

    /// The caller as stored now (fresh roles and institution).
    pub async fn me(&self, actor: &Actor) -> Result<User, AppError> {
        let Some(id) = actor.user_id else {
            return Err(AppError::Unauthenticated);
        };
        let mut tx = self.store.read().await?;
        let user = tx.user_by_id(id).await?.ok_or(AppError::Unauthenticated)?;
        Ok(User::from(user))
    }

    /// The interface language the user chose (`es`, `en`), if any.
    pub async fn user_locale(&self, actor: &Actor) -> Result<Option<String>, AppError> {
        let Some(id) = actor.user_id else { return Ok(None) };
        Ok(self.store.read().await?.user_locale(id).await?)
    }

    /// Remembers the user's interface language (a preference, not audited).
    pub async fn set_user_locale(&self, actor: &Actor, locale: &str) -> Result<(), AppError> {
        let Some(id) = actor.user_id else { return Err(AppError::Unauthenticated) };
        if !matches!(locale, "es" | "en") {
            return Err(FieldError::new("locale", "must be es or en").into());
        }
        let mut tx = self.store.write().await?;
        tx.set_user_locale(id, locale).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the caller's password. A wrong current password counts as a failed login (per
    /// username and per client address), so guessing it through this route is limited alike.
    pub async fn change_password(
        &self,
        actor: &Actor,
        context: &RequestContext,
        current: Secret<String>,
        new: Secret<String>,
    ) -> Result<(), AppError> {
        let Some(id) = actor.user_id else {
            return Err(AppError::Unauthenticated);
        };
        let user = self.store.read().await?.user_by_id(id).await?.ok_or(AppError::Unauthenticated)?;
        let username = Username::parse(&user.username)?;
        let password =
            Password::parse(new.expose(), &self.settings.security.password_rules(), Some(&username))
                .and_then(|password| {
                    let inputs = [user.username.as_str(), user.display_name.as_deref().unwrap_or_default()];
                    crate::password::check_strength(&password, &inputs).map(|()| password)
                })
                .map_err(|e| e.at("new_password"))?;
        if constant_time_equal(current.expose(), new.expose()) {
            return Err(FieldError::new("new_password", "must differ from the current password").into());
        }
        let failure_keys = self.failure_keys(&user.username, context);
        self.refuse_when_limited(&failure_keys).await?;
        if !verify_password(user.password_hash.clone(), current).await? {
            let now = self.now();
            let mut tx = self.store.write().await?;
            for key in &failure_keys {
                tx.record_login_failure(key, now).await?;
            }
            let detail = json!({"client_address": context.client_address});
            let target = Some(("user", id.to_string()));
            tx.append_audit(audit_event(
                actor,
                context,
                now,
                action::USER_PASSWORD_CHANGE_FAILED,
                target,
                detail,
            ))
            .await?;
            tx.commit().await?;
            return Err(FieldError::new("current_password", "is not correct").into());
        }
        let hash = hash_password(&password).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        tx.set_password_hash(id, &hash, now).await?;
        tx.set_must_change_password(id, false).await?;
        let ended = tx.delete_sessions_of_user(id, actor.session_id.as_deref()).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            action::USER_PASSWORD_CHANGE,
            Some(("user", id.to_string())),
            json!({"other_sessions_ended": ended}),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The failed-login counters a password attempt for `username` from this client counts in.
    fn failure_keys(&self, username: &str, context: &RequestContext) -> Vec<String> {
        let mut keys = vec![format!("user:{username}")];
        keys.extend(context.client_address.as_ref().map(|a| format!("address:{a}")));
        keys
    }

    /// `RateLimited` when any of `keys` reached its limit of failures within the window.
    async fn refuse_when_limited(&self, keys: &[String]) -> Result<(), AppError> {
        let security = &self.settings.security;
        let window_start = self.now().minus_seconds(security.login_failure_window_seconds);
        let mut tx = self.store.read().await?;
        for key in keys {
            let max = if key.starts_with("user:") {
                security.login_failures_max
            } else {
                security.login_failures_per_address_max
            };
            if tx.login_failures_since(key, window_start).await? >= max {
                return Err(AppError::RateLimited {
                    retry_after_seconds: security.login_failure_window_seconds.unsigned_abs(),
                });
            }
        }
        Ok(())
    }
}

fn actor_of(user: &UserRecord, session_id: Option<String>) -> Actor {
    Actor {
        user_id: Some(user.id),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles: user.roles.clone(),
        institution_id: Some(user.institution_id),
        institution: Some(user.institution.clone()),
        session_id,
    }
}

/// A failed login: counted under the name and the address, and audited (an unknown name is
/// not recorded: people type passwords into the username field).
async fn record_failed_login(
    tx: &mut dyn WriteTx,
    context: &RequestContext,
    now: Timestamp,
    keys: [&Option<String>; 2],
    name: Option<&Username>,
) -> Result<(), AppError> {
    for key in keys.into_iter().flatten() {
        tx.record_login_failure(key, now).await?;
    }
    let known = match name {
        Some(name) => tx.user_by_username(name.as_str()).await?,
        None => None,
    };
    let actor = known.as_ref().map_or("anonymous".to_string(), |u| u.username.clone());
    let event = AuditEvent {
        actor_user_id: known.as_ref().map(|u| u.id.0),
        actor,
        institution: known.as_ref().map(|u| u.institution.clone()),
        ..audit_event(
            &Actor::system(),
            context,
            now,
            action::SESSION_LOGIN_FAILED,
            known.as_ref().map(|u| ("user", u.id.to_string())),
            json!({"client_address": context.client_address}),
        )
    };
    tx.append_audit(event).await?;
    Ok(())
}
