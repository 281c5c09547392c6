//! App store billing (seed 001 §10.6): verifying what the stores send and reading a
//! subscription's state.
//!
//! Pure library: the host owns the routes (`POST /billing/webhooks/apple`,
//! `POST /billing/webhooks/google`) and the tables; this crate turns a request into an
//! [`Outcome`] (or a [`BillingError`] whose [`BillingError::http_status`] is the answer to
//! give), and maps a stored [`SubscriptionUpdate`] to a [`Plan`].
//!
//! - [`apple`]: App Store Server Notifications V2 (JWS + x5c chain to Apple Root CA - G3).
//! - [`google`]: Google Play real-time developer notifications over Pub/Sub push (OIDC
//!   bearer token against Google's JWKS), and [`GoogleBilling`] which also reads the state.
//! - [`play_api`]: the Play Developer API (`purchases.subscriptionsv2.get`) with a
//!   service-account access token.
//! - [`update`]: the store-neutral update, the outcome and the plan table.
//!
//! Tests that act as the stores use the `billing-testing` crate (a test Apple CA and
//! notification builders, a local double of Google's endpoints).

#![warn(missing_docs)]

pub mod apple;
pub mod error;
pub mod google;
mod jws;
pub mod play_api;
pub mod update;

pub use apple::{
    AppleConfig, AppleEnvironment, AppleNotification, AppleVerifier, apple_root_ca_g3,
};
pub use error::BillingError;
pub use google::{
    DeveloperNotification, GoogleBilling, GooglePush, GooglePushConfig, GooglePushVerifier,
};
pub use play_api::{PlayApiConfig, PlayDeveloperApi, ServiceAccountKey, SubscriptionPurchaseV2};
pub use update::{
    Environment, Outcome, Plan, PlanTable, Store, SubscriptionStatus, SubscriptionUpdate,
};
