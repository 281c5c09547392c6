//! Acting as the App Store and Google Play in tests of `billing` and the host (a crate of
//! its own, a dev-dependency only: a normal build never compiles it, and the host's tests
//! build its dependencies with the same features as the server).
//!
//! - [`apple`]: a test certificate authority shaped like Apple's (root → intermediate →
//!   leaf, P-384/P-384/P-256, Apple's marker extensions), so a verifier configured with
//!   [`apple::TestCa::root_der`] as its only trusted root and Apple's default marker OIDs
//!   accepts what it signs; and builders of realistic App Store Server Notifications V2
//!   (`ResponseBodyV2DecodedPayload` with signed transaction and renewal info).
//! - [`google`]: a local double of Google (JWKS, OAuth token endpoint, Play Developer API
//!   `purchases.subscriptionsv2.get` and `purchases.subscriptions.acknowledge`) on
//!   127.0.0.1, recording what it is asked; a service-account key file whose `token_uri`
//!   points at it; and Pub/Sub pushes signed with the keys its JWKS publishes.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use billing_testing::{apple, google};
//!
//! // Apple: trust the test root, sign a notification.
//! let ca = apple::TestCa::new();
//! ca.write_root_der("/tmp/test-root.der")?;
//! let body: Vec<u8> = apple::Notification::subscribed("com.kalei.app", "com.kalei.prism.monthly")
//!     .app_account_token("7e3fb20b-4cdb-47cc-936d-99d65f608138")
//!     .body(&ca);
//!
//! // Google: start the double, give it a purchase, push a notification about it.
//! let double = google::GoogleDouble::start("com.kalei.app").await;
//! double.write_service_account("/tmp/sa.json")?;
//! double.set_purchase("token-1", &google::Purchase::active("prism_plus", 1_900_000_000_000));
//! let notification = google::subscription_notification(
//!     "com.kalei.app",
//!     billing::google::SubscriptionNotificationType::Purchased,
//!     "token-1",
//!     1_800_000_000_000,
//! );
//! let (authorization, body) = google::Push::new("https://api.test/webhook", notification).sign();
//! # Ok(()) }
//! ```

pub mod apple;
pub mod google;

use ring::rand::{SecureRandom, SystemRandom};

/// `n` random bytes from the system's generator.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The system generator does not fail on the platforms tests run on; zeros would only
    // make ids collide, never verify something that should not.
    let _ = SystemRandom::new().fill(&mut bytes);
    bytes
}

/// A random (version 4) UUID, lowercase and hyphenated as Apple and Google print them.
pub fn random_uuid() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A random decimal id of `digits` digits after `prefix` (Apple's transaction ids, Pub/Sub
/// message ids are decimal strings).
fn random_decimal(prefix: &str, digits: usize) -> String {
    let bytes = random_bytes::<32>();
    let tail: String = bytes
        .iter()
        .take(digits)
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    format!("{prefix}{tail}")
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;
