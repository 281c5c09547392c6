//! Notification settings for `serve` (`NotifyArgs`; docs/notifications.md).

use clap::Args;

use crate::notify::NotifySettings;

/// Notifications: Web Push, the APNs/FCM outbox, retries and the reminder sweep.
#[derive(Debug, Clone, Args)]
pub struct NotifyArgs {
    /// The VAPID private key (a base64url P-256 scalar). Default: one made on first start
    /// and kept in the database, shared by every replica.
    #[arg(long, env = "TESSERA_VAPID_PRIVATE_KEY", hide_env_values = true)]
    pub vapid_private_key: Option<String>,
    /// The contact push services see in VAPID tokens (`mailto:` or `https:`).
    #[arg(
        long,
        env = "TESSERA_VAPID_SUBJECT",
        default_value = "mailto:admin@localhost"
    )]
    pub vapid_subject: String,
    /// Accept `http://` and private-address Web Push endpoints (a local push service in
    /// tests); off in production, where a subscription is a URL the server POSTs to.
    #[arg(long, env = "TESSERA_WEB_PUSH_ALLOW_INSECURE")]
    pub web_push_allow_insecure: bool,
    /// The iOS app's bundle id, sent as APNs' `apns-topic`.
    #[arg(long, env = "TESSERA_APNS_TOPIC")]
    pub apns_topic: Option<String>,
    /// Tries of a push before it is given up.
    #[arg(long, env = "TESSERA_PUSH_MAX_ATTEMPTS", default_value_t = 6,
          value_parser = clap::value_parser!(i64).range(1..=50))]
    pub push_max_attempts: i64,
    /// Milliseconds before a failed push is tried again; doubled for each further try.
    #[arg(long, env = "TESSERA_PUSH_RETRY_BASE_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(i64).range(0..=86_400_000))]
    pub push_retry_base_ms: i64,
    /// How often this replica sends the Web Push messages due, ms (0: never).
    #[arg(long, env = "TESSERA_PUSH_SEND_INTERVAL_MS", default_value_t = 2_000)]
    pub push_send_interval_ms: u64,
    /// How often this replica makes the reminders due (streaks at risk, reviews), ms (0:
    /// never).
    #[arg(
        long,
        env = "TESSERA_REMINDER_SWEEP_INTERVAL_MS",
        default_value_t = 60_000
    )]
    pub reminder_sweep_interval_ms: u64,
}

impl NotifyArgs {
    /// The settings.
    pub fn settings(&self) -> anyhow::Result<NotifySettings> {
        if let Some(key) = &self.vapid_private_key {
            crate::notify::webpush::Vapid::from_private(key, &self.vapid_subject)
                .map_err(|e| anyhow::anyhow!("--vapid-private-key: {e}"))?;
        }
        anyhow::ensure!(
            self.vapid_subject.starts_with("mailto:") || self.vapid_subject.starts_with("https:"),
            "--vapid-subject must be a mailto: or https: URL, not `{}`",
            self.vapid_subject
        );
        Ok(NotifySettings {
            vapid_private_key: self.vapid_private_key.clone(),
            vapid_subject: self.vapid_subject.clone(),
            allow_insecure_endpoints: self.web_push_allow_insecure,
            apns_topic: self.apns_topic.clone(),
            max_attempts: self.push_max_attempts,
            retry_base_ms: self.push_retry_base_ms,
            send_interval_ms: self.push_send_interval_ms,
            sweep_interval_ms: self.reminder_sweep_interval_ms,
        })
    }
}
