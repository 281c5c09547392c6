//! Mapping a stored subscription to Kalei's plans, and the errors' HTTP answers.

use billing::{
    BillingError, Environment, Plan, PlanTable, Store, SubscriptionStatus, SubscriptionUpdate,
};

fn update(
    product: Option<&str>,
    status: SubscriptionStatus,
    expires_at_ms: Option<i64>,
) -> SubscriptionUpdate {
    SubscriptionUpdate {
        store: Store::Apple,
        notification_id: "n".into(),
        notification_type: "DID_RENEW".into(),
        notification_subtype: None,
        subscription_id: "s".into(),
        linked_subscription_id: None,
        transaction_id: None,
        product_id: product.map(str::to_string),
        status,
        expires_at_ms,
        will_renew: None,
        account_token: None,
        environment: Environment::Production,
        event_time_ms: 0,
        acknowledged: None,
    }
}

fn table() -> PlanTable {
    PlanTable::new([
        ("com.kalei.prism.monthly", Plan::Prism),
        ("com.kalei.prism.yearly", Plan::Prism),
        ("prism_plus", Plan::PrismPlus),
    ])
}

#[test]
fn only_states_that_grant_access_map_to_the_products_plan() {
    use SubscriptionStatus::*;
    for (status, plan) in [
        (Active, Plan::Prism),
        (GracePeriod, Plan::Prism),
        (Cancelled, Plan::Prism),
        (OnHold, Plan::Free),
        (Paused, Plan::Free),
        (Pending, Plan::Free),
        (Expired, Plan::Free),
        (Revoked, Plan::Free),
    ] {
        assert_eq!(
            table().plan_for(&update(Some("com.kalei.prism.yearly"), status, None)),
            plan,
            "{status:?}"
        );
    }
}

#[test]
fn an_unknown_or_missing_product_grants_nothing() {
    let t = table();
    assert_eq!(t.plan_for_product("com.kalei.mystery"), None);
    assert_eq!(
        t.plan_for(&update(
            Some("com.kalei.mystery"),
            SubscriptionStatus::Active,
            None
        )),
        Plan::Free
    );
    assert_eq!(
        t.plan_for(&update(None, SubscriptionStatus::Active, None)),
        Plan::Free
    );
}

#[test]
fn plan_at_ends_access_at_expiry_unless_in_grace() {
    let t = table();
    let active = update(Some("prism_plus"), SubscriptionStatus::Active, Some(1_000));
    assert_eq!(t.plan_at(&active, 999), Plan::PrismPlus);
    assert_eq!(t.plan_at(&active, 1_000), Plan::Free);
    let grace = update(
        Some("prism_plus"),
        SubscriptionStatus::GracePeriod,
        Some(1_000),
    );
    assert_eq!(t.plan_at(&grace, 5_000), Plan::PrismPlus);
    let no_expiry = update(Some("prism_plus"), SubscriptionStatus::Active, None);
    assert_eq!(t.plan_at(&no_expiry, i64::MAX), Plan::PrismPlus);
}

#[test]
fn plans_have_their_wire_names_and_the_larger_one_wins() {
    assert_eq!(serde_json::to_value(Plan::PrismPlus).unwrap(), "prism_plus");
    assert_eq!(Plan::Prism.as_str(), "prism");
    assert_eq!(Plan::Free.as_str(), "free");
    assert_eq!(
        [Plan::Prism, Plan::Free, Plan::PrismPlus].into_iter().max(),
        Some(Plan::PrismPlus)
    );
    let table: PlanTable =
        serde_json::from_str(r#"{"products": {"prism_plus": "prism_plus"}}"#).unwrap();
    assert_eq!(table.plan_for_product("prism_plus"), Some(Plan::PrismPlus));
}

#[test]
fn statuses_stores_and_environments_use_the_hosts_column_spellings() {
    use SubscriptionStatus::*;
    for status in [
        Active,
        GracePeriod,
        OnHold,
        Paused,
        Cancelled,
        Pending,
        Expired,
        Revoked,
    ] {
        // as_str and serde agree, so a stored value reads back as the same status.
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
    }
    assert_eq!(GracePeriod.as_str(), "grace");
    assert_eq!(Cancelled.as_str(), "cancelled");
    assert_eq!(Store::Google.as_str(), "google");
    assert_eq!(Environment::Sandbox.as_str(), "sandbox");
}

#[test]
fn errors_map_to_the_http_answer_the_store_should_get() {
    let cases = [
        (BillingError::Unauthenticated("x".into()), 401, false),
        (
            BillingError::Malformed {
                field: "f".into(),
                reason: "r".into(),
            },
            400,
            false,
        ),
        (
            BillingError::WrongApp {
                field: "f".into(),
                expected: "a".into(),
                actual: "b".into(),
            },
            422,
            false,
        ),
        (BillingError::PurchaseNotFound { status: 410 }, 422, false),
        (
            BillingError::Upstream {
                status: 503,
                message: "m".into(),
            },
            502,
            true,
        ),
        (
            BillingError::Upstream {
                status: 403,
                message: "m".into(),
            },
            502,
            false,
        ),
        (BillingError::Unavailable("down".into()), 503, true),
    ];
    for (err, status, retry) in cases {
        assert_eq!(err.http_status(), status, "{err}");
        assert_eq!(err.is_retryable(), retry, "{err}");
    }
}
