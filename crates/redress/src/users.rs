//! `redress user deactivate|reactivate|reset-password|set-roles|unlock`: administering users from
//! the server's command line, as the operator (audited as `cli:<login>`). `reset-password` is
//! also how a lost administrator password is recovered.

use std::process::ExitCode;

use clap::Subcommand;
use redress_app::accounts::User;
use redress_app::{Actor, App, AppError, RequestContext};

use crate::cli::{print_app_error, EXIT_FAILED};

#[derive(Subcommand)]
pub enum UserAdminCommand {
    /// Deactivate a user: they cannot log in, and their sessions end (their records stay).
    Deactivate {
        #[arg(long)]
        username: String,
    },
    /// Let a deactivated user log in again.
    Reactivate {
        #[arg(long)]
        username: String,
    },
    /// Set a random one-time password, printed once; the user must change it at the next
    /// login. Their sessions end and failed logins are cleared. Recovers a lost admin password.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Replace a user's roles and/or move them to another (existing) institution.
    SetRoles {
        #[arg(long)]
        username: String,
        /// A role; repeat for several. Replaces every role the user had.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// The institution's exact name.
        #[arg(long)]
        institution: Option<String>,
    },
    /// Clear a user's failed logins, so a locked-out user may log in again at once.
    Unlock {
        #[arg(long)]
        username: String,
    },
}

fn describe(user: &User) -> String {
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    let state = if user.active { "active" } else { "deactivated" };
    format!(
        "{} (id {}, {state}) in {} with roles {}",
        user.username,
        user.id,
        user.institution,
        roles.join(", ")
    )
}

pub async fn run(app: &App, operator: &Actor, command: UserAdminCommand) -> anyhow::Result<ExitCode> {
    match act(app, operator, command).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            print_app_error(&error);
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

async fn act(app: &App, operator: &Actor, command: UserAdminCommand) -> Result<(), AppError> {
    let context = RequestContext::default();
    let id = |username: &str| {
        let username = username.to_string();
        async move { app.user_by_username(operator, &username).await.map(|u| u.id.0) }
    };
    match command {
        UserAdminCommand::Deactivate { username } => {
            let user = app.deactivate_user(operator, &context, id(&username).await?).await?;
            println!("deactivated {}", describe(&user));
        }
        UserAdminCommand::Reactivate { username } => {
            let user = app.reactivate_user(operator, &context, id(&username).await?).await?;
            println!("reactivated {}", describe(&user));
        }
        UserAdminCommand::ResetPassword { username } => {
            let reset = app.reset_password(operator, &context, id(&username).await?).await?;
            let rule = "=".repeat(72);
            println!("{rule}");
            println!("Contraseña restablecida / password reset: {}", describe(&reset.user));
            println!("  contraseña de un solo uso / one-time password:  {}", reset.password.expose());
            println!("Debe cambiarla al ingresar. No se volverá a mostrar. / It must be changed at the next login. It will not be shown again.");
            println!("{rule}");
        }
        UserAdminCommand::SetRoles { username, roles, institution } => {
            if roles.is_empty() && institution.is_none() {
                return Err(redress_domain::FieldError::new(
                    "role",
                    "give --role (repeatable) or --institution",
                )
                .into());
            }
            let user_id = id(&username).await?;
            let mut user = None;
            if let Some(name) = institution {
                let institution_id = app.institution_id_by_name(operator, &name).await?;
                user = Some(app.set_user_institution(operator, &context, user_id, institution_id).await?);
            }
            if !roles.is_empty() {
                user = Some(app.set_user_roles(operator, &context, user_id, &roles).await?);
            }
            if let Some(user) = user {
                println!("changed {}", describe(&user));
            }
        }
        UserAdminCommand::Unlock { username } => {
            let user = app.unlock_user(operator, &context, id(&username).await?).await?;
            println!("unlocked {}", describe(&user));
        }
    }
    Ok(())
}
