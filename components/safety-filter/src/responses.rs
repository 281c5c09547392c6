//! What a learner sees instead of a model's answer when the text is a crisis: a caring
//! message and the hotline for their region. Hotlines come from the plugin's config value
//! `hotlines` (a JSON object: region code → text, with `default`), so operators keep them
//! current without rebuilding the component.

/// Used when the config names no hotline for the region (nor a default).
pub const FALLBACK_HOTLINE: &str = "If you are in immediate danger, call your local emergency number. \
You can find a free, confidential helpline in your country at https://findahelpline.com.";

fn hotline(region: Option<&str>, hotlines_json: Option<&str>) -> String {
    let table: Option<serde_json::Value> = hotlines_json.and_then(|j| serde_json::from_str(j).ok());
    let lookup = |key: &str| {
        table
            .as_ref()
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    region
        .map(|r| r.to_ascii_uppercase())
        .and_then(|r| lookup(&r))
        .or_else(|| lookup("default"))
        .unwrap_or_else(|| FALLBACK_HOTLINE.to_owned())
}

/// The response for a crisis in `categories` (most serious first).
pub fn crisis_response(
    categories: &[&str],
    region: Option<&str>,
    hotlines_json: Option<&str>,
) -> String {
    let opening = match categories.first().copied() {
        Some("abuse") => {
            "It sounds like someone may be hurting you, and that is never your fault. You deserve to be safe, and you don't have to handle this alone."
        }
        Some("harm-to-others") => {
            "It sounds like you're feeling a lot of anger or pain right now. Before anything happens, please reach out to someone who can help you through this."
        }
        _ => {
            "I'm really sorry you're feeling this way. You matter, and you don't have to go through this alone. Please reach out to someone who can help right now."
        }
    };
    format!(
        "{opening} {} Talking to a trusted adult, friend or teacher can help too.",
        hotline(region, hotlines_json)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_picks_the_hotline_with_a_default() {
        let table = r#"{"US": "Call or text 988.", "default": "Call 112."}"#;
        assert!(crisis_response(&["suicide"], Some("us"), Some(table)).contains("988"));
        assert!(crisis_response(&["suicide"], Some("FR"), Some(table)).contains("112"));
        assert!(crisis_response(&["abuse"], None, None).contains("findahelpline"));
        assert!(crisis_response(&["abuse"], None, None).contains("never your fault"));
    }
}
