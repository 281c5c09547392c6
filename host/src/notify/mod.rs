//! Notifications for every seed (docs/notifications.md): what brings a learner back and
//! what a teacher must know. One [`Notifier`] takes a [`Notice`], applies the user's
//! preferences (a kind turned off, quiet hours in their time zone, one reminder of a kind a
//! day), stores the in-app notification and one delivery per push subscription in one
//! transaction, and then:
//!
//! - **Web Push** deliveries are sent by this host ([`webpush`]), retried with backoff, and
//!   dropped with their subscription when the push service says it is gone;
//! - **APNs and FCM** deliveries wait in the outbox in their services' formats
//!   ([`mobile`]) for a gateway to claim and report (`/_internal/push-outbox`).
//!
//! What triggers notices: [`reminders`] (streak at risk in the learner's evening, reviews
//! due), [`on_events`] (a teacher's struggle alert, a project graded: consumers of the event
//! bus) and the Kalei Spectrum run (Spectrum updated).

pub mod mobile;
pub mod on_events;
pub mod prefs;
pub mod reminders;
pub mod webpush;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::store::notifications::{
    DeliveryRow, NotificationRow, NotificationTarget, SubscriptionRow,
};
use crate::store::{Db, StoreError, now_ms};
pub use prefs::Preferences;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A streak that ends tonight (a reminder).
    StreakAtRisk,
    /// Spaced-repetition reviews due (a reminder).
    ReviewsDue,
    /// A learner in a teacher's class needs help (to the teacher).
    StruggleAlert,
    /// A project was graded.
    ProjectGraded,
    /// Kalei's weekly or monthly Spectrum was computed (seed 001 §9.3).
    SpectrumUpdated,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::StreakAtRisk,
        Kind::ReviewsDue,
        Kind::StruggleAlert,
        Kind::ProjectGraded,
        Kind::SpectrumUpdated,
    ];

    /// Its name in the API and the preferences.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::StreakAtRisk => "streak_at_risk",
            Kind::ReviewsDue => "reviews_due",
            Kind::StruggleAlert => "struggle_alert",
            Kind::ProjectGraded => "project_graded",
            Kind::SpectrumUpdated => "spectrum_updated",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Reminders are made by the sweep, at most one of a kind per local day, never in
    /// quiet hours; the others report something that happened and are always recorded.
    pub fn is_reminder(self) -> bool {
        matches!(self, Kind::StreakAtRisk | Kind::ReviewsDue)
    }

    /// Whether a push should wake the device now (APNs priority 10, FCM high, Web Push
    /// `Urgency: high`).
    pub fn urgent(self) -> bool {
        matches!(self, Kind::StruggleAlert)
    }
}

/// Something to tell a user.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The notification's id: derived from what caused it, so a cause handled twice (an
    /// event delivered again, a run resumed) notifies once; a new id when `None`.
    pub id: Option<String>,
    /// Whom.
    pub user_id: String,
    /// What about.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// What the client opens (a JSON object).
    pub data: Value,
}

/// `tessera serve`'s notification settings.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The VAPID private key (base64url P-256 scalar); `None`: one is made on first start
    /// and kept in the database.
    pub vapid_private_key: Option<String>,
    /// The contact push services see (`mailto:` or `https:` URL).
    pub vapid_subject: String,
    /// Accept `http://` and private-address push endpoints (tests and local push services
    /// only: a subscription is a URL the server will POST to).
    pub allow_insecure_endpoints: bool,
    /// The app's bundle id for APNs' `apns-topic`.
    pub apns_topic: Option<String>,
    /// Tries of a push before it is given up.
    pub max_attempts: i64,
    /// The wait before the first retry, ms; doubled for each further one.
    pub retry_base_ms: i64,
    /// How often this replica sends the pushes due, ms (0: never; tests drive it).
    pub send_interval_ms: u64,
    /// How often this replica looks for reminders to make, ms (0: never).
    pub sweep_interval_ms: u64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            vapid_private_key: None,
            vapid_subject: "mailto:admin@localhost".into(),
            allow_insecure_endpoints: false,
            apns_topic: None,
            max_attempts: 6,
            retry_base_ms: 30_000,
            send_interval_ms: 2_000,
            sweep_interval_ms: 60_000,
        }
    }
}

/// A failure of the notification service.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A field the user sent is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The VAPID key configured is not one.
    #[error("--vapid-private-key: {0}")]
    Vapid(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new subscription as a client sends it.
#[derive(Debug, Clone)]
pub enum NewSubscription {
    /// A browser's `PushSubscription`.
    WebPush {
        /// The push service URL.
        endpoint: String,
        /// The browser's public key, base64url.
        p256dh: String,
        /// The browser's auth secret, base64url.
        auth: String,
    },
    /// An iPhone's APNs device token.
    Apns(String),
    /// An Android phone's FCM registration token.
    Fcm(String),
}

/// What a pass of the sender did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SendReport {
    /// Pushes the push services accepted.
    pub sent: u64,
    /// Pushes to try again later.
    pub retried: u64,
    /// Pushes given up (refused, or out of tries).
    pub failed: u64,
    /// Pushes to subscriptions that are gone (removed).
    pub gone: u64,
}

/// The notification service.
pub struct Notifier {
    db: Db,
    settings: NotifySettings,
    vapid: OnceCell<webpush::Vapid>,
    http: reqwest::Client,
}

/// Pushes sent at once by one pass.
const SEND_CONCURRENCY: usize = 8;
/// Deliveries one pass claims.
const SEND_BATCH: i64 = 64;
/// How long a claimed delivery is this sender's (or a gateway's), ms.
pub const LEASE_MS: i64 = 60_000;

impl Notifier {
    /// The service over `db`.
    pub fn new(db: Db, settings: NotifySettings) -> Notifier {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Notifier {
            db,
            settings,
            vapid: OnceCell::new(),
            http,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &NotifySettings {
        &self.settings
    }

    /// The server's VAPID keys: the configured one, else the database's (made once).
    pub async fn vapid(&self) -> Result<&webpush::Vapid, NotifyError> {
        self.vapid
            .get_or_try_init(|| async {
                let private = match &self.settings.vapid_private_key {
                    Some(k) => k.clone(),
                    None => self.db.vapid_keys(webpush::generate_keys).await?.0,
                };
                webpush::Vapid::from_private(&private, &self.settings.vapid_subject)
                    .map_err(NotifyError::Vapid)
            })
            .await
    }

    /// Tells one user; the notification when it was stored (not: the kind is off, a
    /// reminder in quiet hours or sent today already, the user is gone, the id was
    /// notified before).
    pub async fn notify(
        &self,
        notice: Notice,
        now: i64,
    ) -> Result<Option<NotificationRow>, NotifyError> {
        Ok(self
            .notify_all(vec![notice], now)
            .await?
            .into_iter()
            .next()
            .flatten())
    }

    /// Tells many users at once (a Spectrum batch): two reads and one transaction.
    pub async fn notify_all(
        &self,
        notices: Vec<Notice>,
        now: i64,
    ) -> Result<Vec<Option<NotificationRow>>, NotifyError> {
        let users: Vec<String> = notices.iter().map(|n| n.user_id.clone()).collect();
        let targets = self.db.notification_targets(&users).await?;
        let mut items = Vec::with_capacity(notices.len());
        let mut kept = Vec::with_capacity(notices.len());
        for notice in notices {
            let made = targets
                .iter()
                .find(|t| t.user_id == notice.user_id)
                .and_then(|t| self.prepare(&notice, t, now));
            kept.push(made.is_some());
            items.extend(made);
        }
        let stored = self.db.add_notifications(&items).await?;
        let mut stored = items
            .into_iter()
            .zip(stored)
            .map(|((n, _, _), ok)| ok.then_some(n));
        Ok(kept
            .into_iter()
            .map(|k| if k { stored.next().flatten() } else { None })
            .collect())
    }

    /// The rows `notice` makes for `target`, or `None` when their preferences say no.
    fn prepare(
        &self,
        notice: &Notice,
        target: &NotificationTarget,
        now: i64,
    ) -> Option<(NotificationRow, Vec<DeliveryRow>, Option<String>)> {
        let prefs = Preferences::of(&target.preferences);
        if prefs.disabled(notice.kind) {
            return None;
        }
        let quiet_until = prefs.quiet_until(now, &target.timezone);
        if notice.kind.is_reminder() && quiet_until.is_some() {
            return None;
        }
        let reminder_day = notice
            .kind
            .is_reminder()
            .then(|| reminders::local_date(now, &target.timezone));
        let id = notice
            .id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let message = mobile::Message {
            notification_id: &id,
            kind: notice.kind.as_str(),
            title: &notice.title,
            body: &notice.body,
            data: &notice.data,
            urgent: notice.kind.urgent(),
        };
        let deliveries = target
            .subscriptions
            .iter()
            .map(|s| {
                let payload = match s.channel.as_str() {
                    "apns" => {
                        mobile::apns(&s.endpoint, &message, self.settings.apns_topic.as_deref())
                    }
                    "fcm" => mobile::fcm(&s.endpoint, &message),
                    _ => mobile::web(&message),
                };
                DeliveryRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    notification_id: id.clone(),
                    user_id: target.user_id.clone(),
                    subscription_id: s.id.clone(),
                    channel: s.channel.clone(),
                    payload: payload.to_string(),
                    status: "pending".into(),
                    attempts: 0,
                    not_before: quiet_until.unwrap_or(now),
                    last_error: None,
                    created_at: now,
                    sent_at: None,
                }
            })
            .collect();
        let row = NotificationRow {
            id,
            user_id: target.user_id.clone(),
            kind: notice.kind.as_str().to_owned(),
            title: notice.title.clone(),
            body: notice.body.clone(),
            data: notice.data.to_string(),
            created_at: now,
            read_at: None,
        };
        Some((row, deliveries, reminder_day))
    }

    /// Adds `user_id`'s subscription, checked: a Web Push endpoint must be an `https` URL
    /// on a public host (unless `--web-push-allow-insecure`) with keys that are a P-256
    /// point and a 16-byte secret; a device token is 1-4096 characters.
    pub async fn subscribe(
        &self,
        user_id: &str,
        new: NewSubscription,
    ) -> Result<SubscriptionRow, NotifyError> {
        let invalid =
            |field: &'static str, message: String| NotifyError::Invalid { field, message };
        let (channel, endpoint, p256dh, auth) = match new {
            NewSubscription::WebPush {
                endpoint,
                p256dh,
                auth,
            } => {
                self.check_endpoint(&endpoint)
                    .map_err(|m| invalid("endpoint", m))?;
                webpush::subscription_keys(&p256dh, &auth).map_err(|(f, m)| invalid(f, m))?;
                ("web_push", endpoint, Some(p256dh), Some(auth))
            }
            NewSubscription::Apns(token) | NewSubscription::Fcm(token)
                if token.trim().is_empty() || token.len() > 4096 =>
            {
                return Err(invalid("token", "1-4096 characters".into()));
            }
            NewSubscription::Apns(token) => ("apns", token.trim().to_owned(), None, None),
            NewSubscription::Fcm(token) => ("fcm", token.trim().to_owned(), None, None),
        };
        Ok(self
            .db
            .add_subscription(&SubscriptionRow {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: user_id.to_owned(),
                channel: channel.to_owned(),
                endpoint,
                p256dh,
                auth,
                created_at: now_ms(),
            })
            .await?)
    }

    fn check_endpoint(&self, endpoint: &str) -> Result<(), String> {
        if endpoint.len() > 2048 {
            return Err("at most 2048 characters".into());
        }
        let url = reqwest::Url::parse(endpoint).map_err(|e| format!("not a URL: {e}"))?;
        if self.settings.allow_insecure_endpoints {
            return if matches!(url.scheme(), "http" | "https") {
                Ok(())
            } else {
                Err("must be an http(s) URL".into())
            };
        }
        if url.scheme() != "https" {
            return Err("must be an https URL (a browser's push service)".into());
        }
        let private = match url.host() {
            Some(url::Host::Ipv4(ip)) => {
                ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
            }
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
            Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            None => true,
        };
        if private {
            return Err("must be a public push service, not a private address".into());
        }
        Ok(())
    }

    /// Sends the Web Push deliveries due at `now`, each once, a batch at a time until none
    /// is due.
    pub async fn send_due(&self, now: i64) -> Result<SendReport, NotifyError> {
        let mut report = SendReport::default();
        loop {
            let claimed = self
                .db
                .claim_deliveries("web_push", now, LEASE_MS, SEND_BATCH)
                .await?;
            if claimed.is_empty() {
                return Ok(report);
            }
            let outcomes: Vec<Result<&'static str, NotifyError>> =
                futures_util::stream::iter(claimed)
                    .map(|d| self.send_one(d, now))
                    .buffer_unordered(SEND_CONCURRENCY)
                    .collect()
                    .await;
            for outcome in outcomes {
                match outcome? {
                    "sent" => report.sent += 1,
                    "gone" => report.gone += 1,
                    "failed" => report.failed += 1,
                    _ => report.retried += 1,
                }
            }
        }
    }

    /// Sends one claimed Web Push delivery and records how it went.
    async fn send_one(&self, d: DeliveryRow, now: i64) -> Result<&'static str, NotifyError> {
        let Some(sub) = self.db.subscription(&d.subscription_id).await? else {
            self.db.finish_delivery(&d.id, "gone", None, None).await?;
            return Ok("gone");
        };
        let vapid = self.vapid().await?;
        let urgent = serde_json::from_str::<Value>(&d.payload)
            .ok()
            .and_then(|p| p["urgent"].as_bool())
            .unwrap_or(false);
        let outcome = webpush::send(
            &self.http,
            vapid,
            &sub.endpoint,
            sub.p256dh.as_deref().unwrap_or_default(),
            sub.auth.as_deref().unwrap_or_default(),
            d.payload.as_bytes(),
            urgent,
        )
        .await;
        Ok(self.record(&d, outcome, now).await?)
    }

    /// Records a push's outcome: a retry waits `retry_base_ms` doubled per earlier try,
    /// until `max_attempts`.
    pub async fn record(
        &self,
        d: &DeliveryRow,
        outcome: webpush::PushOutcome,
        now: i64,
    ) -> Result<&'static str, StoreError> {
        use webpush::PushOutcome::*;
        Ok(match outcome {
            Sent => {
                self.db.finish_delivery(&d.id, "sent", None, None).await?;
                "sent"
            }
            Gone => {
                self.db
                    .finish_delivery(
                        &d.id,
                        "gone",
                        Some("the push service says the subscription is gone"),
                        None,
                    )
                    .await?;
                self.db
                    .remove_subscription(None, &d.subscription_id)
                    .await?;
                "gone"
            }
            Refused(e) => {
                self.db
                    .finish_delivery(&d.id, "failed", Some(&e), None)
                    .await?;
                "failed"
            }
            Retry(e) if d.attempts >= self.settings.max_attempts => {
                self.db
                    .finish_delivery(&d.id, "failed", Some(&e), None)
                    .await?;
                "failed"
            }
            Retry(e) => {
                let doublings =
                    u32::try_from(d.attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
                let wait = self.settings.retry_base_ms.saturating_mul(1 << doublings);
                self.db
                    .finish_delivery(&d.id, "pending", Some(&e), Some(now.saturating_add(wait)))
                    .await?;
                "retried"
            }
        })
    }

    /// Runs this replica's sender and reminder sweep until `shutdown`, on the real clock.
    pub fn spawn(
        self: Arc<Self>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let every =
                |ms: u64| (ms > 0).then(|| tokio::time::interval(Duration::from_millis(ms)));
            let mut send = every(self.settings.send_interval_ms);
            let mut sweep = every(self.settings.sweep_interval_ms);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = tick(&mut send) => {
                        if let Err(e) = self.send_due(now_ms()).await {
                            tracing::warn!(error = %e, "sending pushes failed; trying again");
                        }
                    }
                    _ = tick(&mut sweep) => {
                        if let Err(e) = reminders::sweep(&self, &self.db, now_ms()).await {
                            tracing::warn!(error = %e, "the reminder sweep failed; trying again");
                        }
                    }
                }
            }
        })
    }
}

/// The next tick of `interval`, never for `None`.
async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}
