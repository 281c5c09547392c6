//! `GET /api/tutorial/config` for anonymous visitors (seed 004 §2.1), the answer the origin
//! gives byte for byte: the same variant, steps, ETag and headers
//! (host/src/experiments/tutorials.rs is the origin's side; the edge e2e tests compare).

use edge_kit::cache;
use edge_kit::origin::Origin;
use serde::Serialize;
use sha2::{Digest, Sha256};
use spin_sdk::http::{Request, Response};

use crate::definitions::{Definitions, Lookup, StepSpec};

/// The cookie keeping an anonymous visitor's id (a year), as the origin names it.
const ANON_COOKIE: &str = "kazi_anon";
/// The header carrying it for clients without cookies.
const ANON_HEADER: &str = "x-kazi-anonymous-id";
/// Every visitor without an account has this persona (the origin's `DEFAULT_PERSONA`).
const ANONYMOUS_PERSONA: &str = "newbie";
/// The variant served when no running experiment covers the visitor.
const DEFAULT_VARIANT: &str = "default";

/// A step as the client renders it (field order and omissions as the origin's
/// `ServedStep`: the ETag hashes this serialisation).
#[derive(Debug, Clone, Serialize)]
struct ServedStep {
    id: String,
    title: String,
    cta: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
}

/// Serves the config, or `None` to let the origin answer (a signed-in learner, anything
/// malformed, an unknown tutorial).
pub async fn serve(origin: &Origin, request: &Request) -> Option<Response> {
    if request.header("authorization").is_some() {
        return None;
    }
    let tutorial_id = query_param(request.query(), "tutorialId")?;
    if !is_id(&tutorial_id) {
        return None;
    }
    let device = match crate::header(request, "x-kazi-device") {
        None => "web",
        Some(d @ ("web" | "ios" | "android")) => d,
        Some(_) => return None,
    };
    let (anonymous_id, minted) = match crate::header(request, ANON_HEADER)
        .map(str::to_owned)
        .or_else(|| cookie(request, ANON_COOKIE))
    {
        Some(id) if is_anonymous_id(&id) => (id, false),
        Some(_) => return None,
        None => (uuid::Uuid::new_v4().to_string(), true),
    };
    let definitions = match crate::definitions::lookup(origin, &tutorial_id).await {
        Lookup::Found(definitions, origin_up) => {
            if origin_up {
                crate::steps::replay_queued(origin).await;
            }
            definitions
        }
        Lookup::NotHere => return None,
        Lookup::Unavailable(message) => return Some(edge_kit::reply::unavailable(&message)),
    };
    let unit_key = format!("anon:{anonymous_id}");
    let variant = choose_variant(&definitions, &unit_key, device);
    let steps_spec: &[StepSpec] = variant
        .as_ref()
        .and_then(|v| v.steps.as_deref())
        .unwrap_or(&definitions.steps);
    let variant = variant.map_or(DEFAULT_VARIANT.to_owned(), |v| v.id.clone());
    let steps: Vec<ServedStep> = steps_spec
        .iter()
        .filter(|s| s.devices.is_empty() || s.devices.iter().any(|d| d == device))
        .map(|s| ServedStep {
            id: s.id.clone(),
            title: s.title.clone(),
            cta: s.cta.clone(),
            body: s.body.clone(),
        })
        .collect();
    let engine: Option<String> = None;
    let etag = {
        let validated =
            serde_json::to_string(&(&tutorial_id, ANONYMOUS_PERSONA, &variant, &steps, &engine))
                .unwrap_or_default();
        format!(
            "\"{}\"",
            &hex::encode(Sha256::digest(validated.as_bytes()))[..32]
        )
    };
    let max_age = definitions.config_ttl_secs;
    let matches = crate::header(request, "if-none-match").is_some_and(|v| {
        v.split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == etag || tag == "*")
    });
    let mut builder = Response::builder();
    if matches {
        builder.status(304);
    } else {
        let body = serde_json::json!({
            "tutorialId": tutorial_id,
            "persona": ANONYMOUS_PERSONA,
            "variant": variant,
            "steps": steps,
            "expires": edge_kit::reply::rfc3339(edge_kit::now_secs() + max_age),
        });
        builder
            .status(200)
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    builder
        .header("etag", etag)
        .header("cache-control", format!("private, max-age={max_age}"))
        .header(
            "vary",
            "authorization, cookie, x-kazi-device, x-kazi-anonymous-id",
        );
    if minted {
        builder.header(ANON_HEADER, anonymous_id.clone()).header(
            "set-cookie",
            format!(
                "{ANON_COOKIE}={anonymous_id}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
            ),
        );
    }
    Some(builder.build())
}

/// The visitor's variant of the running experiment: the one kept for them, else the
/// assigner's choice, kept now. `None`: no experiment, or its coverage leaves them out.
fn choose_variant<'d>(
    definitions: &'d Definitions,
    unit_key: &str,
    device: &str,
) -> Option<&'d crate::definitions::Variant> {
    let experiment = definitions.experiment.as_ref()?;
    let kept_key = format!("assignment/{}/{unit_key}", experiment.key);
    if let Some(kept) = cache::get::<String>(&kept_key)
        && let Some(variant) = definitions.variants.iter().find(|v| v.id == kept.value)
    {
        return Some(variant);
    }
    // The attributes the origin assigns by (host/src/experiments/assign.rs).
    let attributes = serde_json::json!({
        "id": unit_key,
        "device": device,
        "persona": ANONYMOUS_PERSONA,
        "anonymous": true,
    });
    let mut ctx = assignment::Context::new(attributes).ok()?;
    let result = assignment::run_experiment(experiment, &mut ctx, None);
    if !result.in_experiment {
        return None;
    }
    let variant = definitions.variants.get(result.variation_id)?;
    cache::put(&kept_key, &variant.id);
    Some(variant)
}

/// The value of `name` in a query string (percent-decoded), if present.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A cookie's value.
fn cookie(request: &Request, name: &str) -> Option<String> {
    crate::header(request, "cookie")?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// The origin's id rule (`check_id`): 1-100 letters, digits, `-`, `_`, `.` or `:`.
fn is_id(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// The origin's anonymous id rule: 8-64 letters, digits or `-`.
fn is_anonymous_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(
            query_param("tutorialId=welcome-tour", "tutorialId").as_deref(),
            Some("welcome-tour")
        );
        assert_eq!(
            query_param("a=1&tutorialId=w%2Dt", "tutorialId").as_deref(),
            Some("w-t")
        );
        assert_eq!(query_param("a=1", "tutorialId"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn ids_follow_the_origins_rules() {
        assert!(is_id("welcome-tour"));
        assert!(!is_id("no spaces"));
        assert!(!is_id(""));
        assert!(is_anonymous_id("0b6f2c1e-7d1a-4f57"));
        assert!(!is_anonymous_id("short"));
    }
}
