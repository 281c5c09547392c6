//! `tessera migrate` and `tessera user …`: operator commands on the database.

use anyhow::{Context, bail};

use super::plugin::Outcome;
use crate::auth::{Auth, MAX_SERVICE_TOKEN_DAYS, Role, TokenKeys};
use crate::cli::{
    AccountArgs, DataArgs, KvArgs, ServiceTokenArgs, ServiceTokenCommand, UserCommand,
};
use crate::store::{Db, rfc3339};

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

/// Identity over the database of `data` (and the servers' shared store, when given),
/// for commands that sign nothing.
async fn auth(data: &DataArgs, kv: Option<&KvArgs>) -> anyhow::Result<(Db, Auth)> {
    let db = super::serve::database(&data.db, &data.data_dir).await?;
    let store = match kv.and_then(|k| k.redis_url.as_deref().map(|url| (url, k))) {
        Some((url, k)) => Some(
            crate::kv::connect(Some(url), &k.redis_prefix)
                .await
                .context("cannot connect to Redis (--redis-url)")?,
        ),
        None => {
            if kv.is_some() && db.backend() == crate::store::Backend::Postgres {
                eprintln!(
                    "note: no --redis-url (REDIS_URL): servers that cache sessions in Redis see this change within {} s",
                    crate::auth::live::LIVE_TTL.as_secs()
                );
            }
            None
        }
    };
    // These commands sign nothing: any key will do.
    let auth = Auth::new(db.clone(), TokenKeys::new(&[0; 32], "-", "-"), store);
    Ok((db, auth))
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
            let (_, auth) = self::auth(&data, None).await?;
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
            let (db, auth) = self::auth(&data, Some(&kv)).await?;
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
            if !(1..=32).contains(&tier.len())
                || !tier
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            {
                bail!("--tier: `{tier}` must be 1-32 characters of a-z, 0-9, _ and -");
            }
            let db = super::serve::database(&data.db, &data.data_dir).await?;
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
    let (db, auth) = self::auth(&account.data, Some(&account.kv)).await?;
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

/// `tessera service-token [--name … --days N | list | revoke <id>]`.
pub async fn service_token(args: ServiceTokenArgs) -> anyhow::Result<Outcome> {
    match args.command {
        None => {
            let Some(name) = args.name else {
                bail!(
                    "--name is required to issue a service token (or use `list` / `revoke <id>`)"
                );
            };
            // Check before touching the key or the database.
            anyhow::ensure!(
                (1..=MAX_SERVICE_TOKEN_DAYS).contains(&args.days),
                "--days must be 1 to {MAX_SERVICE_TOKEN_DAYS}: a service token lives at most {MAX_SERVICE_TOKEN_DAYS} days (issue a new one before it expires)"
            );
            let keys = super::serve::token_keys(&args.jwt, &args.data.data_dir)?;
            let db = super::serve::database(&args.data.db, &args.data.data_dir).await?;
            let auth = Auth::new(db, keys, None);
            let (id, token) = auth
                .issue_service_token(&name, args.days)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("service token {id} for {name}, valid {} days", args.days);
            println!("{token}");
            Ok(Outcome(true))
        }
        Some(ServiceTokenCommand::List { data }) => {
            let db = super::serve::database(&data.db, &data.data_dir).await?;
            let tokens = db.service_tokens().await?;
            if tokens.is_empty() {
                println!("no service tokens on record");
            }
            let now = crate::store::now_ms();
            for t in tokens {
                let status = match t.revoked_at {
                    Some(at) => format!("revoked {}", rfc3339(at)),
                    None if t.expires_at <= now => "expired".to_owned(),
                    None => "active".to_owned(),
                };
                println!(
                    "{}  {}  issued {}  expires {}  {status}",
                    t.id,
                    t.name,
                    rfc3339(t.created_at),
                    rfc3339(t.expires_at)
                );
            }
            Ok(Outcome(true))
        }
        Some(ServiceTokenCommand::Revoke { id, data, kv }) => {
            let (_, auth) = self::auth(&data, Some(&kv)).await?;
            match auth
                .revoke_service_token(&id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                Some(true) => println!("revoked service token {id}"),
                Some(false) => println!("service token {id} was revoked already"),
                None => bail!("no service token with id {id} (see `tessera service-token list`)"),
            }
            Ok(Outcome(true))
        }
    }
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
            let db = super::serve::database(&data.db, &data.data_dir).await?;
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
            let db = super::serve::database(&data.db, &data.data_dir).await?;
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
