//! `tessera migrate` and `tessera user …`: operator commands on the database.

use anyhow::{Context, bail};

use crate::auth::{Auth, Role, TokenKeys};
use crate::cli::{DataArgs, UserCommand};
use crate::plugin_cli::Outcome;
use crate::store::Db;

/// `tessera migrate [--dry-run]`.
pub async fn migrate(data: &DataArgs, dry_run: bool) -> anyhow::Result<Outcome> {
    let url = data.db.url(&data.data_dir);
    let db = Db::connect(&url, 2)
        .await
        .context("cannot open the database")?;
    let pending = db.pending_migrations().await?;
    if dry_run {
        if pending.is_empty() {
            println!("no pending migrations");
        }
        for m in &pending {
            println!("pending {} {}", m.version, m.description);
        }
        return Ok(Outcome(true));
    }
    let applied = db.migrate().await?;
    if applied.is_empty() {
        println!("no pending migrations");
    }
    for m in &applied {
        println!("applied {} {}", m.version, m.description);
    }
    Ok(Outcome(true))
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
            let db = crate::serve::database(&data.db, &data.data_dir).await?;
            // Creating an account signs nothing: any key will do.
            let auth = Auth::new(db, TokenKeys::new(&[0; 32], "-", "-"));
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
        } => {
            let role = role(&role_name)?;
            let db = crate::serve::database(&data.db, &data.data_dir).await?;
            let Some(user) = db.user_by_email(&email).await? else {
                bail!("no account with e-mail address {email}");
            };
            db.set_role(&user.id, role, None).await?;
            println!("{} is now {role}", user.email);
            Ok(Outcome(true))
        }
        UserCommand::SetTier { email, tier, data } => {
            if !(1..=32).contains(&tier.len())
                || !tier
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            {
                bail!("--tier: `{tier}` must be 1-32 characters of a-z, 0-9, _ and -");
            }
            let db = crate::serve::database(&data.db, &data.data_dir).await?;
            let Some(user) = db.user_by_email(&email).await? else {
                bail!("no account with e-mail address {email}");
            };
            db.set_tier(&user.id, &tier, None).await?;
            println!("{} is now on tier {tier}", user.email);
            Ok(Outcome(true))
        }
    }
}

/// `tessera service-token --name … [--days N]`: prints a token with role `service`.
pub fn service_token(
    name: &str,
    days: i64,
    jwt: &crate::cli::JwtArgs,
    data_dir: &std::path::Path,
) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        !name.is_empty() && name.len() <= 64,
        "--name must be 1 to 64 characters"
    );
    anyhow::ensure!((1..=365).contains(&days), "--days must be 1 to 365");
    let keys = crate::serve::token_keys(jwt, data_dir)?;
    let token = keys.issue(
        &format!("service:{name}"),
        "",
        Role::Service,
        "",
        days * 24 * 3600,
    )?;
    println!("{token}");
    Ok(Outcome(true))
}

/// `tessera content import|list`.
pub async fn content(cmd: crate::cli::ContentCommand) -> anyhow::Result<Outcome> {
    use crate::cli::ContentCommand;
    use crate::store::content::Imported;
    match cmd {
        ContentCommand::Import {
            dirs,
            dry_run,
            data,
        } => {
            let db = crate::serve::database(&data.db, &data.data_dir).await?;
            let mut ok = true;
            for root in dirs {
                let packs = crate::content::pack_dirs(&root)
                    .with_context(|| format!("cannot read {}", root.display()))?;
                if packs.is_empty() {
                    bail!(
                        "{}: no pack.json here or in its sub-folders",
                        root.display()
                    );
                }
                for dir in packs {
                    let report = crate::content::import(&db, &dir, dry_run).await;
                    let name = report
                        .pack
                        .as_ref()
                        .map_or_else(|| dir.display().to_string(), |(id, v)| format!("{id} {v}"));
                    match report.outcome {
                        Ok(outcome) => println!(
                            "{name}: {} ({} lessons, {} steps)",
                            match (dry_run, outcome) {
                                (true, _) => "valid",
                                (false, Imported::New) => "imported",
                                (false, Imported::Updated) => "updated",
                                (false, Imported::Unchanged) => "unchanged",
                            },
                            report.size.0,
                            report.size.1
                        ),
                        Err(e) => {
                            ok = false;
                            eprintln!("{}: not imported: {e}", dir.display());
                        }
                    }
                }
            }
            Ok(Outcome(ok))
        }
        ContentCommand::List { data } => {
            let db = crate::serve::database(&data.db, &data.data_dir).await?;
            let packs = db.content_packs().await?;
            if packs.is_empty() {
                println!("no content packs imported");
            }
            for p in packs {
                println!(
                    "{} {} \"{}\": {} lessons, {} steps, imported {}",
                    p.id, p.version, p.title, p.lessons, p.steps, p.imported_at
                );
            }
            Ok(Outcome(true))
        }
    }
}
