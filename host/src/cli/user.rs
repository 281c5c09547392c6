//! `tessera user …`: accounts, roles, tiers.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::Outcome;
use super::shared::{DataArgs, KvArgs, auth, database};
use crate::auth::Role;
use crate::store::Db;

/// User subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account with any role (e.g. the first super_admin). The password is read
    /// from TESSERA_USER_PASSWORD, or from the first line of standard input.
    Create {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// student, teacher, admin or super_admin.
        #[arg(long, default_value = "student")]
        role: String,
        /// Display name (default: the e-mail's local part).
        #[arg(long)]
        full_name: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Change an account's role. Tokens claiming the old role are refused at once
    /// (`ROLE_CHANGED`) until the client refreshes them.
    SetRole {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// student, teacher, admin or super_admin.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        kv: KvArgs,
    },
    /// Disable an account: it cannot sign in, and its tokens are refused at once.
    Disable(AccountArgs),
    /// Enable a disabled account again.
    Enable(AccountArgs),
    /// Changes a user's plan tier, which picks their daily AI token budget
    /// (`--ai-daily-tokens`).
    SetTier {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// A tier name, e.g. free or premium (1-32 characters of a-z, 0-9, _ and -).
        #[arg(long)]
        tier: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// One account, for `tessera user disable|enable`.
#[derive(Debug, Clone, Args)]
pub struct AccountArgs {
    /// E-mail address.
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub kv: KvArgs,
}

fn role(name: &str) -> anyhow::Result<Role> {
    match name.parse::<Role>() {
        Ok(Role::Service) => bail!("service identities are not user accounts"),
        Ok(role) => Ok(role),
        Err(e) => bail!(e),
    }
}

fn password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("TESSERA_USER_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn user_by_email(db: &Db, email: &str) -> anyhow::Result<crate::store::users::User> {
    db.user_by_email(email)
        .await?
        .with_context(|| format!("no account with e-mail address {email}"))
}

/// `tessera user …`.
pub async fn run(cmd: UserCommand) -> anyhow::Result<Outcome> {
    match cmd {
        UserCommand::Create {
            email,
            role: role_name,
            full_name,
            data,
        } => {
            let role = role(&role_name)?;
            let (_, auth) = auth(&data, None).await?;
            let name =
                full_name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
            let user = auth
                .create(&email, &password()?, &name, role, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created {} ({}) with role {}",
                user.email, user.id, user.role
            );
            Ok(Outcome(true))
        }
        UserCommand::SetRole {
            email,
            role: role_name,
            data,
            kv,
        } => {
            let role = role(&role_name)?;
            let (db, auth) = auth(&data, Some(&kv)).await?;
            let user = user_by_email(&db, &email).await?;
            auth.set_role(&user.id, role, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{} is now {role}", user.email);
            Ok(Outcome(true))
        }
        UserCommand::Disable(account) => set_active(&account, false).await,
        UserCommand::Enable(account) => set_active(&account, true).await,
        UserCommand::SetTier { email, tier, data } => {
            if let Err(why) = crate::ai::budget::check_tier(&tier) {
                bail!("--tier: {why}");
            }
            let db = database(&data.db, &data.data_dir).await?;
            let Some(user) = db.user_by_email(&email).await? else {
                bail!("no account with e-mail address {email}");
            };
            db.set_tier(&user.id, &tier, None).await?;
            println!("{} is now on tier {tier}", user.email);
            Ok(Outcome(true))
        }
    }
}

async fn set_active(account: &AccountArgs, active: bool) -> anyhow::Result<Outcome> {
    let (db, auth) = auth(&account.data, Some(&account.kv)).await?;
    let user = user_by_email(&db, &account.email).await?;
    auth.set_active(&user.id, active, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} is {}",
        user.email,
        if active { "enabled" } else { "disabled" }
    );
    Ok(Outcome(true))
}
