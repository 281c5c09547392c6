//! A tutorial's definitions from the origin (`/_internal/edge/tutorials/{id}`), cached in
//! key-value with the origin's ETag: used as they are for `definitions_ttl_secs`, then
//! revalidated (`If-None-Match`; a 304 costs the origin no body). While the origin is
//! unreachable the last copy keeps serving, however old: a stale tutorial beats none.

use edge_kit::cache;
use edge_kit::origin::Origin;
use serde::{Deserialize, Serialize};

/// Seconds definitions are used before they are revalidated, unless the variable says.
const DEFAULT_TTL_SECS: u64 = 30;

/// One step as an administrator wrote it (the origin's `StepSpec`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepSpec {
    /// Stable id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Button label.
    pub cta: String,
    /// Text under the heading.
    #[serde(default)]
    pub body: Option<String>,
    /// Devices that show it (empty: all).
    #[serde(default)]
    pub devices: Vec<String>,
    /// Personas it is for under the adaptive engine (the v1 route ignores it).
    #[serde(default)]
    pub personas: Vec<String>,
}

/// One variant of the running experiment: its own steps, or `None` for the tutorial's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Variant id (what the config's `variant` says).
    pub id: String,
    /// Its steps, if it replaces the tutorial's.
    #[serde(default)]
    pub steps: Option<Vec<StepSpec>>,
}

/// What the origin says about a tutorial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definitions {
    /// The tutorial.
    pub tutorial_id: String,
    /// Its own steps.
    pub steps: Vec<StepSpec>,
    /// The running experiment in GrowthBook's shape (variations are the variant ids, in
    /// the order of `variants`), if one runs.
    #[serde(default)]
    pub experiment: Option<assignment::Experiment>,
    /// The experiment's variants.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// How long a served config stays fresh (the origin's `config_ttl`).
    pub config_ttl_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    etag: String,
    definitions: Definitions,
}

/// The outcome of a lookup.
pub enum Lookup {
    /// The definitions, and whether the origin answered just now (it is up).
    Found(Box<Definitions>, bool),
    /// The origin says there is no such tutorial (or will not say): let it answer.
    NotHere,
    /// Neither the origin nor the cache can say.
    Unavailable(String),
}

fn key(tutorial_id: &str) -> String {
    format!("tutorial/{tutorial_id}")
}

/// The definitions of `tutorial_id`, from the cache while fresh, else from the origin.
pub async fn lookup(origin: &Origin, tutorial_id: &str) -> Lookup {
    let ttl = edge_kit::config::secs("definitions_ttl_secs", DEFAULT_TTL_SECS);
    let cached = cache::get::<Cached>(&key(tutorial_id));
    if let Some(entry) = &cached
        && entry.fresh(ttl)
    {
        return Lookup::Found(Box::new(entry.value.definitions.clone()), false);
    }
    let path = format!("/_internal/edge/tutorials/{tutorial_id}");
    let etag = cached.as_ref().map(|c| c.value.etag.as_str());
    let stale = || match &cached {
        Some(entry) => Lookup::Found(Box::new(entry.value.definitions.clone()), false),
        None => Lookup::Unavailable(
            "the origin is unreachable and this edge has no copy of the tutorial".into(),
        ),
    };
    let response = match origin.internal_get(&path, etag).await {
        Ok(response) => response,
        Err(_) => return stale(),
    };
    match *response.status() {
        304 => match cached {
            Some(entry) => {
                cache::put(&key(tutorial_id), &entry.value);
                Lookup::Found(Box::new(entry.value.definitions), true)
            }
            None => Lookup::NotHere,
        },
        200 => {
            let etag = response
                .header("etag")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            match serde_json::from_slice::<Definitions>(response.body()) {
                Ok(definitions) => {
                    cache::put(
                        &key(tutorial_id),
                        &Cached {
                            etag,
                            definitions: definitions.clone(),
                        },
                    );
                    Lookup::Found(Box::new(definitions), true)
                }
                Err(_) => stale(),
            }
        }
        404 => {
            cache::delete(&key(tutorial_id));
            Lookup::NotHere
        }
        status if status >= 500 => stale(),
        // 401/403: the edge's token is wrong; the origin's own answer to the client will
        // say what it says (and the operator sees the edge's requests refused in its log).
        _ => Lookup::NotHere,
    }
}
