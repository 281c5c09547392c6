//! What a learner is shown instead of a model's answer when the gate flags their message:
//! a caring message by category and the crisis resources of their region, from the hotline
//! directory (`safety/hotlines.toml`, built in; `--hotlines FILE` replaces it).

use std::collections::BTreeMap;
use std::path::Path;

use super::Level;

/// The directory shipped with Tessera.
pub const SHIPPED_HOTLINES: &str = include_str!("../../../safety/hotlines.toml");

/// Hotline text by region (ISO 3166-1 alpha-2, upper case), with a `default`.
#[derive(Debug, Clone)]
pub struct Hotlines {
    regions: BTreeMap<String, String>,
}

/// Why a hotline directory is refused.
#[derive(Debug, thiserror::Error)]
pub enum HotlinesError {
    /// Not readable.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not the expected TOML.
    #[error("not a hotline directory: {0}")]
    Toml(#[from] toml::de::Error),
    /// A key that is not a region code.
    #[error("`regions.{0}`: keys are ISO 3166-1 alpha-2 codes (`US`, `FR`) or `default`")]
    BadRegion(String),
    /// No `default`.
    #[error("`regions.default` is required: the text for a learner whose region has no entry")]
    NoDefault,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    regions: BTreeMap<String, String>,
}

impl Hotlines {
    /// Parses a directory (the TOML of `safety/hotlines.toml`).
    pub fn parse(text: &str) -> Result<Self, HotlinesError> {
        let file: File = toml::from_str(text)?;
        for key in file.regions.keys() {
            let is_code = key.len() == 2 && key.chars().all(|c| c.is_ascii_uppercase());
            if !(is_code || key == "default") {
                return Err(HotlinesError::BadRegion(key.clone()));
            }
        }
        if !file.regions.contains_key("default") {
            return Err(HotlinesError::NoDefault);
        }
        Ok(Self {
            regions: file.regions,
        })
    }

    /// The shipped directory.
    pub fn shipped() -> Self {
        // A test parses the shipped file, so this cannot fail in a built binary.
        Self::parse(SHIPPED_HOTLINES).unwrap_or_else(|_| Self {
            regions: BTreeMap::from([("default".into(), FALLBACK.into())]),
        })
    }

    /// Reads an operator's directory.
    pub fn load(path: &Path) -> Result<Self, HotlinesError> {
        let text = std::fs::read_to_string(path).map_err(|source| HotlinesError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The regions with their own entry.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "default")
    }

    /// The text for `region`, else the default. Returns the region it used (`None` for
    /// the default).
    pub fn for_region(&self, region: Option<&str>) -> (Option<String>, &str) {
        if let Some(r) = region.map(str::to_ascii_uppercase)
            && let Some(text) = self.regions.get(&r)
        {
            return (Some(r), text);
        }
        (
            None,
            self.regions.get("default").map_or(FALLBACK, String::as_str),
        )
    }

    /// What to show for a flagged message of `level` in `categories` (most serious
    /// first), with the resources of `region`; `None` for level `none`.
    pub fn response(
        &self,
        level: Level,
        categories: &[String],
        region: Option<&str>,
    ) -> Option<(Option<String>, String)> {
        let (used, hotline) = self.for_region(region);
        let message = match level {
            Level::None => return None,
            Level::Concern => format!(
                "It sounds like things are really hard for you right now, and I'm glad you said \
                 something. Instead of a lesson answer, here is where you can talk to a person who \
                 can help: {hotline} A trusted adult, friend or teacher can help too. Your lesson \
                 will be here whenever you want to come back to it."
            ),
            Level::Crisis => {
                let opening = match categories.first().map(String::as_str) {
                    Some("abuse") => {
                        "It sounds like someone may be hurting you, and that is never your fault. \
                         You deserve to be safe, and you don't have to handle this alone."
                    }
                    Some("harm-to-others") => {
                        "It sounds like you're feeling a lot of anger or pain right now. Before \
                         anything happens, please reach out to someone who can help you through this."
                    }
                    _ => {
                        "I'm really sorry you're feeling this way. You matter, and you don't have to \
                         go through this alone. Please reach out to someone who can help right now."
                    }
                };
                format!(
                    "{opening} {hotline} Talking to a trusted adult, friend or teacher can help too."
                )
            }
        };
        Some((used, message))
    }
}

/// Used only if the directory somehow has no default.
const FALLBACK: &str = "If you are in immediate danger, call your local emergency number. You can \
find a free, confidential helpline in your country at https://findahelpline.com.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_directory_parses_and_covers_at_least_twenty_regions() {
        let h = Hotlines::parse(SHIPPED_HOTLINES).expect("the shipped directory parses");
        assert!(h.regions().count() >= 20, "{} regions", h.regions().count());
    }

    #[test]
    fn a_region_gets_its_own_resources_and_others_the_default() {
        let h = Hotlines::shipped();
        let (used, text) = h.for_region(Some("fr"));
        assert_eq!(used.as_deref(), Some("FR"));
        assert!(text.contains("3114"));
        let (used, text) = h.for_region(Some("ZZ"));
        assert_eq!(used, None);
        assert!(text.contains("findahelpline"));
        let (_, crisis) = h
            .response(Level::Crisis, &["abuse".into()], Some("US"))
            .expect("a crisis has a response");
        assert!(crisis.contains("never your fault") && crisis.contains("988"));
        let (_, concern) = h
            .response(Level::Concern, &[], Some("GB"))
            .expect("a concern has one too");
        assert!(concern.contains("116 123") && concern.contains("Instead of a lesson answer"));
        assert!(h.response(Level::None, &[], None).is_none());
    }

    #[test]
    fn a_directory_without_a_default_or_with_a_bad_key_is_refused() {
        assert!(matches!(
            Hotlines::parse("[regions]\nUS = \"988\"\n"),
            Err(HotlinesError::NoDefault)
        ));
        assert!(matches!(
            Hotlines::parse("[regions]\ndefault = \"x\"\nusa = \"988\"\n"),
            Err(HotlinesError::BadRegion(k)) if k == "usa"
        ));
    }
}
