//! Seed 001's (Kalei) settings for `serve` (`KaleiArgs`): the column keys and the stores'
//! webhooks (docs/kalei.md).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::kalei::KaleiSettings;
use crate::kalei::billing::BillingSettings;
use crate::store::sealing::SealingKeys;

/// Kalei: sealing keys and billing.
#[derive(Debug, Clone, Args)]
pub struct KaleiArgs {
    /// Keys sealing Mirror messages, Turn inputs and results, Lens goals and actions
    /// (AES-256-GCM): `id:hex,id:hex,…`, 32-byte keys; the first seals, every one opens
    /// (rotate: put a new key first, then `tessera keys rotate`). Default: one key generated
    /// once in <data-dir>/column.key; replicas sharing a database must share the keys.
    #[arg(long, env = "TESSERA_COLUMN_KEYS", hide_env_values = true)]
    pub column_keys: Option<String>,
    /// Plan limits replacing the defaults, JSON {"prism": {"turns_per_day": 25,
    /// "mirror_messages_per_day": 100, "lens": true, "spectrum_weekly": true,
    /// "spectrum_monthly": false}} (every limit of a plan given).
    #[arg(long, env = "TESSERA_KALEI_PLANS", default_value = "{}")]
    pub kalei_plans: String,
    /// Which store products grant which plan, JSON {"product id": "prism"|"prism_plus"}.
    #[arg(long, env = "TESSERA_BILLING_PRODUCTS", default_value = "{}")]
    pub billing_products: String,
    /// The app's bundle id: turns on POST /api/v1/billing/webhooks/apple.
    #[arg(long, env = "TESSERA_APPLE_BUNDLE_ID")]
    pub apple_bundle_id: Option<String>,
    /// The app's Apple id (`appAppleId`), checked on production notifications.
    #[arg(long, env = "TESSERA_APPLE_APP_ID")]
    pub apple_app_id: Option<i64>,
    /// Environments the Apple webhook accepts, comma-separated (Production, Sandbox).
    #[arg(
        long,
        env = "TESSERA_APPLE_ENVIRONMENTS",
        default_value = "Production,Sandbox"
    )]
    pub apple_environments: String,
    /// Root certificates (DER or PEM files, comma-separated) a notification's chain must
    /// end at. Default: Apple Root CA - G3, built in. Another root also takes the marker
    /// OIDs below (a test CA's).
    #[arg(long, env = "TESSERA_APPLE_ROOT_CERTS", value_delimiter = ',')]
    pub apple_root_certs: Vec<PathBuf>,
    /// Extension OIDs the leaf and intermediate certificates must carry, `leaf,intermediate`
    /// (default Apple's).
    #[arg(long, env = "TESSERA_APPLE_MARKER_OIDS")]
    pub apple_marker_oids: Option<String>,
    /// The app's package name: turns on POST /api/v1/billing/webhooks/google.
    #[arg(long, env = "TESSERA_GOOGLE_PACKAGE_NAME")]
    pub google_package_name: Option<String>,
    /// The `aud` the Pub/Sub push subscription signs its tokens for (by default the
    /// push endpoint's URL).
    #[arg(long, env = "TESSERA_GOOGLE_PUSH_AUDIENCE")]
    pub google_push_audience: Option<String>,
    /// The push subscription's service account; when set, tokens must carry it, verified.
    #[arg(long, env = "TESSERA_GOOGLE_PUSH_EMAIL")]
    pub google_push_email: Option<String>,
    /// Where Google's token-signing keys are.
    #[arg(
        long,
        env = "TESSERA_GOOGLE_JWKS_URL",
        default_value = "https://www.googleapis.com/oauth2/v3/certs"
    )]
    pub google_jwks_url: String,
    /// The service account key (JSON file) that reads purchases from the Play Developer API.
    #[arg(long, env = "TESSERA_GOOGLE_SERVICE_ACCOUNT")]
    pub google_service_account: Option<PathBuf>,
    /// The Play Developer API's base URL.
    #[arg(
        long,
        env = "TESSERA_GOOGLE_API_BASE",
        default_value = "https://androidpublisher.googleapis.com"
    )]
    pub google_api_base: String,
}

impl KaleiArgs {
    /// The column keys, read or generated in `data_dir`.
    pub fn column_keys(&self, data_dir: &Path) -> anyhow::Result<SealingKeys> {
        super::shared::sealing_keys(
            self.column_keys.as_deref(),
            "TESSERA_COLUMN_KEYS",
            data_dir,
            "column.key",
            "column sealing key",
        )
    }

    /// Every Kalei setting; errors name the flag.
    pub fn settings(&self, data_dir: &Path) -> anyhow::Result<KaleiSettings> {
        Ok(KaleiSettings {
            column_keys: self.column_keys(data_dir)?,
            billing: self.billing()?,
            plans: crate::kalei::plans::PlanTable::parse(&self.kalei_plans)
                .map_err(|e| anyhow::anyhow!("--kalei-plans: {e}"))?,
        })
    }

    fn billing(&self) -> anyhow::Result<BillingSettings> {
        let products: std::collections::HashMap<String, ::billing::Plan> = serde_json::from_str(
            &self.billing_products,
        )
        .context("--billing-products: expected {\"product id\": \"prism\"|\"prism_plus\"}")?;
        let mut settings = BillingSettings {
            products: ::billing::PlanTable::new(products),
            ..BillingSettings::default()
        };
        if let Some(bundle) = &self.apple_bundle_id {
            let environments = self
                .apple_environments
                .split(',')
                .map(|e| match e.trim() {
                    "Production" => Ok(::billing::AppleEnvironment::Production),
                    "Sandbox" => Ok(::billing::AppleEnvironment::Sandbox),
                    other => Err(anyhow::anyhow!(
                        "--apple-environments: `{other}` is not Production or Sandbox"
                    )),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut config = ::billing::AppleConfig::new(bundle.clone(), environments);
            config.app_apple_id = self.apple_app_id;
            if !self.apple_root_certs.is_empty() {
                config.trusted_roots = self
                    .apple_root_certs
                    .iter()
                    .map(|p| read_certificate(p))
                    .collect::<anyhow::Result<_>>()?;
            }
            if let Some(oids) = &self.apple_marker_oids {
                let (leaf, intermediate) = oids
                    .split_once(',')
                    .context("--apple-marker-oids: expected `leaf-oid,intermediate-oid`")?;
                config.leaf_marker_oid = leaf.trim().to_owned();
                config.intermediate_marker_oid = intermediate.trim().to_owned();
            }
            settings.apple = Some(::billing::AppleVerifier::new(config).context("--apple-*")?);
        }
        if let Some(package) = &self.google_package_name {
            let audience = self
                .google_push_audience
                .clone()
                .context("--google-push-audience is required with --google-package-name")?;
            let key_path = self
                .google_service_account
                .as_ref()
                .context("--google-service-account is required with --google-package-name")?;
            let key = std::fs::read_to_string(key_path).with_context(|| {
                format!(
                    "--google-service-account: cannot read {}",
                    key_path.display()
                )
            })?;
            let key = ::billing::ServiceAccountKey::from_json(&key)
                .context("--google-service-account")?;
            let mut push = ::billing::GooglePushConfig::new(package.clone(), audience);
            push.service_account_email = self.google_push_email.clone();
            push.jwks_url = self.google_jwks_url.clone();
            let mut api = ::billing::PlayApiConfig::new(key);
            api.api_base = self.google_api_base.clone();
            settings.google = Some(::billing::GoogleBilling::new(push, api).context("--google-*")?);
        }
        Ok(settings)
    }
}

/// A certificate file: PEM (`-----BEGIN CERTIFICATE-----`) or DER.
fn read_certificate(path: &Path) -> anyhow::Result<Vec<u8>> {
    use base64::Engine as _;
    let bytes = std::fs::read(path)
        .with_context(|| format!("--apple-root-certs: cannot read {}", path.display()))?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(bytes);
    };
    let Some(body) = text
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
    else {
        return Ok(bytes);
    };
    let joined: String = body.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(joined)
        .with_context(|| {
            format!(
                "--apple-root-certs: {} is not a PEM certificate",
                path.display()
            )
        })
}
