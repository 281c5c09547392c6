//! `tessera service-token [--name … --days N | list | revoke <id>]`: tokens for other
//! systems calling `/_internal/*`.

use anyhow::bail;
use clap::{Args, Subcommand};

use super::Outcome;
use super::shared::{DataArgs, JwtArgs, KvArgs, auth, database, token_keys};
use crate::auth::{Auth, MAX_SERVICE_TOKEN_DAYS};
use crate::store::rfc3339;

/// `tessera service-token`: issue with `--name`, or `list` / `revoke <id>`.
#[derive(Debug, Args)]
pub struct ServiceTokenArgs {
    /// `list` or `revoke`; without one, issues a token.
    #[command(subcommand)]
    pub command: Option<ServiceTokenCommand>,
    /// The calling service's name (the token's subject); required to issue.
    #[arg(long)]
    pub name: Option<String>,
    /// Validity in days, 1 to 90.
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    #[command(flatten)]
    pub jwt: JwtArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Service-token subcommands.
#[derive(Debug, Subcommand)]
pub enum ServiceTokenCommand {
    /// Lists the service tokens on record: id, name, issued, expires, active or revoked.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revokes a service token by id (its `jti`, as `list` shows): refused at once by
    /// every server sharing the database (and, with `--redis-url`, their cache).
    Revoke {
        /// The token's id.
        id: String,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        kv: KvArgs,
    },
}

/// `tessera service-token [--name … --days N | list | revoke <id>]`.
pub async fn run(args: ServiceTokenArgs) -> anyhow::Result<Outcome> {
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
            let keys = token_keys(&args.jwt, &args.data.data_dir)?;
            let db = database(&args.data.db, &args.data.data_dir).await?;
            let auth = Auth::new(db, keys, None, 0);
            let (id, token) = auth
                .issue_service_token(&name, args.days)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("service token {id} for {name}, valid {} days", args.days);
            println!("{token}");
            Ok(Outcome(true))
        }
        Some(ServiceTokenCommand::List { data }) => {
            let db = database(&data.db, &data.data_dir).await?;
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
            let (_, auth) = auth(&data, Some(&kv)).await?;
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
