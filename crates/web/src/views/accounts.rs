//! Users and institutions as the API and the pages show them.

use redress_app::accounts::User;
use redress_app::store::Institution;
use serde::Serialize;
use utoipa::ToSchema;

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub institution_id: i64,
    pub institution: String,
    /// Role names (`fund_officer`, `treasurer`…).
    pub roles: Vec<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// `false` once an administrator deactivated the user.
    pub active: bool,
    /// An administrator reset the password: the session may only change it (`PUT /api/v1/me/password`).
    pub must_change_password: bool,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            id: user.id.0,
            username: user.username,
            display_name: user.display_name,
            institution_id: user.institution_id.0,
            institution: user.institution,
            roles: user.roles.iter().map(|r| r.as_str().to_string()).collect(),
            created_at: user.created_at.to_rfc3339(),
            active: user.active,
            must_change_password: user.must_change_password,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionView {
    pub id: i64,
    pub name: String,
    /// police, prosecutor, court, ministry, public_defender, asset_agency, fund_unit, ngo, other
    pub kind: String,
    pub created_at: String,
}

impl From<Institution> for InstitutionView {
    fn from(institution: Institution) -> Self {
        InstitutionView {
            id: institution.id.0,
            name: institution.name,
            kind: institution.kind.as_str().to_string(),
            created_at: institution.created_at.to_rfc3339(),
        }
    }
}
