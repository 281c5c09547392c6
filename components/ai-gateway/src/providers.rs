//! Providers from the plugin's config value `providers` (a JSON list):
//! `[{"name": "local", "kind": "openai", "base_url": "http://127.0.0.1:8081/v1",
//!    "api_key": "sk-…", "models": ["gpt-4o-mini"]}]`. `kind` `openai` covers every
//! OpenAI-compatible chat-completions API (OpenAI, OpenRouter, DeepInfra, Fireworks,
//! Gemini's compatible endpoint, Ollama, vLLM, llama.cpp's server). The request body and
//! the reply are parsed here; the HTTP exchange is in the component glue (wasi:http).

use serde_json::{Value, json};

/// One configured provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Name, reported as the answer's provider.
    pub name: String,
    /// `http://host:port/path` up to (not including) `/chat/completions`.
    pub base_url: String,
    /// Bearer key, if the provider needs one.
    pub api_key: Option<String>,
    /// Models it serves.
    pub models: Vec<String>,
}

/// Parses the config value; errors name the entry and field.
pub fn parse(json_text: &str) -> Result<Vec<Provider>, String> {
    let list: Vec<Value> =
        serde_json::from_str(json_text).map_err(|e| format!("providers: not a JSON list: {e}"))?;
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let field = |f: &str| {
                p[f].as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("providers[{i}].{f}: a string is required"))
            };
            let kind = field("kind")?;
            if kind != "openai" {
                return Err(format!(
                    "providers[{i}].kind: `{kind}` is not supported yet (openai)"
                ));
            }
            let base_url = field("base_url")?;
            if !base_url.starts_with("http://") && !base_url.starts_with("https://") {
                return Err(format!("providers[{i}].base_url: must be an http(s) URL"));
            }
            Ok(Provider {
                name: field("name")?,
                base_url: base_url.trim_end_matches('/').to_owned(),
                api_key: p["api_key"].as_str().map(str::to_owned),
                models: p["models"]
                    .as_array()
                    .map(|m| {
                        m.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// The provider serving `model`.
pub fn for_model<'a>(providers: &'a [Provider], model: &str) -> Option<&'a Provider> {
    providers
        .iter()
        .find(|p| p.models.iter().any(|m| m == model))
}

/// The chat-completions request body.
pub fn request_body(
    model: &str,
    turns: &[(&str, &str)],
    max_tokens: Option<u32>,
    temperature: Option<f32>,
) -> String {
    let mut body = json!({
        "model": model,
        "messages": turns.iter().map(|(role, content)| json!({ "role": role, "content": content })).collect::<Vec<_>>(),
    });
    if let Some(m) = max_tokens {
        body["max_tokens"] = json!(m);
    }
    if let Some(t) = temperature {
        body["temperature"] = json!(t);
    }
    body.to_string()
}

/// A parsed reply: (content, model, input tokens, output tokens).
pub fn parse_reply(body: &[u8]) -> Result<(String, String, u32, u32), String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the provider returned malformed JSON: {e}"))?;
    let content = v["choices"][0]["message"]["content"]
        .as_str()
        .ok_or("the provider's reply has no choices[0].message.content")?
        .to_owned();
    let model = v["model"].as_str().unwrap_or_default().to_owned();
    let tokens = |f: &str| v["usage"][f].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
    Ok((
        content,
        model,
        tokens("prompt_tokens"),
        tokens("completion_tokens"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_parse_with_field_errors() {
        let p = parse(
            r#"[{"name":"l","kind":"openai","base_url":"http://127.0.0.1:9/v1/","models":["m"]}]"#,
        )
        .unwrap();
        assert_eq!(p[0].base_url, "http://127.0.0.1:9/v1");
        assert_eq!(for_model(&p, "m").unwrap().name, "l");
        assert!(
            parse(r#"[{"name":"l","kind":"magic","base_url":"http://x"}]"#)
                .unwrap_err()
                .contains("providers[0].kind")
        );
        assert!(parse("nope").unwrap_err().contains("providers"));
    }

    #[test]
    fn replies_parse_and_garbage_is_an_error() {
        let ok = br#"{"model":"m","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#;
        assert_eq!(parse_reply(ok).unwrap(), ("hi".into(), "m".into(), 3, 1));
        assert!(parse_reply(b"<html>").unwrap_err().contains("malformed"));
        assert!(parse_reply(br#"{"choices":[]}"#).is_err());
    }
}
