//! Providers from the plugin's config value `providers` (a JSON list):
//! `[{"name": "local", "kind": "openai", "base_url": "http://127.0.0.1:8081/v1",
//!    "api_key": "sk-…", "models": ["gpt-4o-mini"]}]`.
//!
//! Two wire formats (`kind`):
//! - `openai`: every OpenAI-compatible chat-completions API (OpenAI, OpenRouter, DeepInfra,
//!   Fireworks, Gemini's compatible endpoint, Ollama, vLLM, llama.cpp's server):
//!   `POST {base_url}/chat/completions` with a bearer key.
//! - `anthropic`: Anthropic's Messages API: `POST {base_url}/messages` (`base_url` like
//!   `https://api.anthropic.com/v1`) with `x-api-key` and `anthropic-version`.
//!
//! Everything here is pure (request paths, headers and bodies; reply and error parsing) so
//! it is unit-tested natively; the HTTP exchange is the component glue's (`wasi:http`).

use serde_json::{Value, json};

/// A message of the conversation: (role, content), role `system`, `user` or `assistant`.
pub type Turn<'a> = (&'a str, &'a str);

/// Anthropic requires `max_tokens`; this is sent when the request sets none.
pub const ANTHROPIC_DEFAULT_MAX_TOKENS: u32 = 1024;

/// The `anthropic-version` header value whose wire format this module speaks.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Which wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// OpenAI-compatible chat completions.
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
}

impl Kind {
    /// The config spelling (`openai`, `anthropic`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OpenAi => "openai",
            Kind::Anthropic => "anthropic",
        }
    }
}

/// One configured provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Name, reported as the answer's provider; also the circuit breaker's key.
    pub name: String,
    /// Wire format.
    pub kind: Kind,
    /// `http(s)://host:port/path` up to (not including) `/chat/completions` or `/messages`.
    pub base_url: String,
    /// Key (bearer for `openai`, `x-api-key` for `anthropic`), if the provider needs one.
    pub api_key: Option<String>,
    /// Models it serves.
    pub models: Vec<String>,
}

/// Parses the config value; errors name the entry and field (`providers[1].kind: …`).
pub fn parse(json_text: &str) -> Result<Vec<Provider>, String> {
    let list: Vec<Value> =
        serde_json::from_str(json_text).map_err(|e| format!("providers: not a JSON list: {e}"))?;
    let mut out: Vec<Provider> = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        if !p.is_object() {
            return Err(format!("providers[{i}]: an object is required"));
        }
        let field = |f: &str| {
            p[f].as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("providers[{i}].{f}: a string is required"))
        };
        let kind = match field("kind")?.as_str() {
            "openai" => Kind::OpenAi,
            "anthropic" => Kind::Anthropic,
            other => {
                return Err(format!(
                    "providers[{i}].kind: `{other}` is not supported (openai, anthropic)"
                ));
            }
        };
        let base_url = field("base_url")?;
        if !base_url.starts_with("http://") && !base_url.starts_with("https://") {
            return Err(format!("providers[{i}].base_url: must be an http(s) URL"));
        }
        let name = field("name")?;
        if name.is_empty() {
            return Err(format!("providers[{i}].name: must not be empty"));
        }
        if out.iter().any(|q| q.name == name) {
            return Err(format!(
                "providers[{i}].name: `{name}` is used twice (names key the circuit breakers)"
            ));
        }
        let api_key = match &p["api_key"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err(format!("providers[{i}].api_key: a string is required")),
        };
        let models = match &p["models"] {
            Value::Null => Vec::new(),
            Value::Array(list) => list
                .iter()
                .enumerate()
                .map(|(j, m)| {
                    m.as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            format!("providers[{i}].models[{j}]: a model name is required")
                        })
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(format!("providers[{i}].models: a list is required")),
        };
        out.push(Provider {
            name,
            kind,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            models,
        });
    }
    Ok(out)
}

/// The provider serving `model` (the first one listing it).
pub fn for_model<'a>(providers: &'a [Provider], model: &str) -> Option<&'a Provider> {
    providers
        .iter()
        .find(|p| p.models.iter().any(|m| m == model))
}

/// Every model the providers serve, in config order.
pub fn served_models(providers: &[Provider]) -> Vec<&str> {
    providers
        .iter()
        .flat_map(|p| p.models.iter().map(String::as_str))
        .collect()
}

/// The path appended to `base_url`.
pub fn endpoint(kind: Kind) -> &'static str {
    match kind {
        Kind::OpenAi => "/chat/completions",
        Kind::Anthropic => "/messages",
    }
}

/// Request headers for a body of `body_len` bytes. A known length, not chunked: some
/// providers' servers refuse chunked uploads.
pub fn headers(provider: &Provider, body_len: usize) -> Vec<(String, Vec<u8>)> {
    let mut headers = vec![
        ("content-type".to_owned(), b"application/json".to_vec()),
        (
            "content-length".to_owned(),
            body_len.to_string().into_bytes(),
        ),
    ];
    match provider.kind {
        Kind::OpenAi => {
            if let Some(key) = &provider.api_key {
                headers.push(("authorization".into(), format!("Bearer {key}").into_bytes()));
            }
        }
        Kind::Anthropic => {
            if let Some(key) = &provider.api_key {
                headers.push(("x-api-key".into(), key.as_bytes().to_vec()));
            }
            headers.push((
                "anthropic-version".into(),
                ANTHROPIC_VERSION.as_bytes().to_vec(),
            ));
        }
    }
    headers
}

/// The instruction telling a model the schema its reply must satisfy. Sent as a system
/// message rather than through `response_format`, which many OpenAI-compatible servers
/// and Anthropic do not support.
pub fn schema_instruction(schema: &Value) -> String {
    format!("Reply with only JSON matching this JSON Schema: {schema}")
}

/// The request body for `kind`. With a schema, the model is told it (see
/// [`schema_instruction`]): for `openai` as a system message after the leading system
/// messages (some chat templates accept system messages only first), for `anthropic` at the
/// end of `system`.
pub fn request_body(
    kind: Kind,
    model: &str,
    turns: &[Turn<'_>],
    max_tokens: Option<u32>,
    temperature: Option<f32>,
    schema: Option<&Value>,
) -> String {
    let instruction = schema.map(schema_instruction);
    match kind {
        Kind::OpenAi => {
            let mut messages: Vec<Value> = turns
                .iter()
                .map(|(role, content)| json!({ "role": role, "content": content }))
                .collect();
            if let Some(instruction) = instruction {
                let at = turns.iter().take_while(|(r, _)| *r == "system").count();
                messages.insert(at, json!({ "role": "system", "content": instruction }));
            }
            let mut body = json!({ "model": model, "messages": messages });
            if let Some(m) = max_tokens {
                body["max_tokens"] = json!(m);
            }
            if let Some(t) = temperature {
                body["temperature"] = json!(t);
            }
            body.to_string()
        }
        Kind::Anthropic => {
            let mut system: Vec<&str> = turns
                .iter()
                .filter(|(r, _)| *r == "system")
                .map(|(_, c)| *c)
                .collect();
            if let Some(instruction) = &instruction {
                system.push(instruction);
            }
            // Consecutive turns of one role are merged: the Messages API wants user and
            // assistant turns to alternate.
            let mut messages: Vec<(&str, String)> = Vec::new();
            for (role, content) in turns.iter().filter(|(r, _)| *r != "system") {
                let role = if *role == "assistant" {
                    "assistant"
                } else {
                    "user"
                };
                match messages.last_mut() {
                    Some((last, text)) if *last == role => {
                        text.push_str("\n\n");
                        text.push_str(content);
                    }
                    _ => messages.push((role, (*content).to_owned())),
                }
            }
            let mut body = json!({
                "model": model,
                "max_tokens": max_tokens.unwrap_or(ANTHROPIC_DEFAULT_MAX_TOKENS),
                "messages": messages
                    .iter()
                    .map(|(role, content)| json!({ "role": role, "content": content }))
                    .collect::<Vec<_>>(),
            });
            if !system.is_empty() {
                body["system"] = json!(system.join("\n\n"));
            }
            if let Some(t) = temperature {
                // Anthropic's range is 0-1 (OpenAI's 0-2): clamp rather than be refused.
                body["temperature"] = json!(t.clamp(0.0, 1.0));
            }
            body.to_string()
        }
    }
}

/// A provider's successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The generated text.
    pub content: String,
    /// The model the provider says answered (empty if it did not say).
    pub model: String,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
}

/// Parses a 2xx reply body of `kind`. An error says what is wrong with it (a malformed
/// reply: not retried on the same model, counted by the circuit breaker).
pub fn parse_reply(kind: Kind, body: &[u8]) -> Result<Reply, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the provider returned malformed JSON: {e}"))?;
    let tokens = |f: &str| v["usage"][f].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
    let model = v["model"].as_str().unwrap_or_default().to_owned();
    match kind {
        Kind::OpenAi => {
            let content = v["choices"][0]["message"]["content"]
                .as_str()
                .ok_or("the provider's reply has no choices[0].message.content")?
                .to_owned();
            Ok(Reply {
                content,
                model,
                input_tokens: tokens("prompt_tokens"),
                output_tokens: tokens("completion_tokens"),
            })
        }
        Kind::Anthropic => {
            if v["type"] != "message" {
                return Err(match error_message(body) {
                    Some(m) => format!("the provider answered an error with a 2xx status: {m}"),
                    None => "the provider's reply is not a `message`".to_owned(),
                });
            }
            let blocks = v["content"]
                .as_array()
                .ok_or("the provider's reply has no content list")?;
            let texts: Vec<&str> = blocks
                .iter()
                .filter(|b| b["type"] == "text")
                .filter_map(|b| b["text"].as_str())
                .collect();
            if texts.is_empty() {
                return Err("the provider's reply has no text content block".to_owned());
            }
            Ok(Reply {
                content: texts.concat(),
                model,
                input_tokens: tokens("input_tokens"),
                output_tokens: tokens("output_tokens"),
            })
        }
    }
}

/// The message of an error body, OpenAI's `{"error":{"message":…}}` or Anthropic's
/// `{"type":"error","error":{"type":…,"message":…}}`, for failure reports. Bodies that are
/// not JSON give their first line (truncated), so an HTML error page is still recognisable.
pub fn error_message(body: &[u8]) -> Option<String> {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let err = &v["error"];
            let message = err["message"].as_str().or(err.as_str())?;
            match err["type"].as_str() {
                Some(t) if !t.is_empty() => format!("{t}: {message}"),
                _ => message.to_owned(),
            }
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            text.lines()
                .find(|l| !l.trim().is_empty())?
                .trim()
                .to_owned()
        }
    };
    Some(truncate(&text, 200))
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(kind: Kind, key: Option<&str>) -> Provider {
        Provider {
            name: "p".into(),
            kind,
            base_url: "https://api.example.com/v1".into(),
            api_key: key.map(str::to_owned),
            models: vec!["m".into()],
        }
    }

    #[test]
    fn providers_parse_with_field_errors() {
        let p = parse(
            r#"[{"name":"l","kind":"openai","base_url":"http://127.0.0.1:9/v1/","models":["m"]},
                {"name":"a","kind":"anthropic","base_url":"https://api.anthropic.com/v1","api_key":"k","models":["claude"]}]"#,
        )
        .unwrap();
        assert_eq!(p[0].base_url, "http://127.0.0.1:9/v1");
        assert_eq!(p[1].kind, Kind::Anthropic);
        assert_eq!(for_model(&p, "m").unwrap().name, "l");
        assert_eq!(for_model(&p, "claude").unwrap().name, "a");
        assert_eq!(served_models(&p), ["m", "claude"]);
        let err = |text: &str| parse(text).unwrap_err();
        assert!(
            err(r#"[{"name":"l","kind":"magic","base_url":"http://x"}]"#)
                .contains("providers[0].kind")
        );
        assert!(err("nope").contains("providers"));
        assert!(
            err(r#"[{"name":"l","kind":"openai","base_url":"ftp://x"}]"#)
                .contains("providers[0].base_url")
        );
        assert!(
            err(r#"[{"name":"l","kind":"openai","base_url":"http://x","models":[1]}]"#)
                .contains("providers[0].models[0]")
        );
        assert!(
            err(r#"[{"name":"l","kind":"openai","base_url":"http://x"},{"name":"l","kind":"openai","base_url":"http://y"}]"#)
                .contains("providers[1].name")
        );
    }

    #[test]
    fn openai_headers_and_body() {
        let h = headers(&provider(Kind::OpenAi, Some("sk")), 12);
        assert!(h.contains(&("authorization".into(), b"Bearer sk".to_vec())));
        assert!(h.contains(&("content-length".into(), b"12".to_vec())));
        assert_eq!(endpoint(Kind::OpenAi), "/chat/completions");
        let turns = [("system", "be kind"), ("user", "hi")];
        let body: Value = serde_json::from_str(&request_body(
            Kind::OpenAi,
            "gpt",
            &turns,
            Some(50),
            Some(0.5),
            None,
        ))
        .unwrap();
        assert_eq!(
            body,
            json!({"model":"gpt","max_tokens":50,"temperature":0.5,
                "messages":[{"role":"system","content":"be kind"},{"role":"user","content":"hi"}]})
        );
        let body: Value = serde_json::from_str(&request_body(
            Kind::OpenAi,
            "gpt",
            &turns,
            None,
            None,
            Some(&json!({"type":"object"})),
        ))
        .unwrap();
        assert!(body.get("max_tokens").is_none() && body.get("temperature").is_none());
        let messages = body["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 3);
        assert_eq!(messages[1]["role"], "system");
        assert_eq!(
            messages[1]["content"],
            r#"Reply with only JSON matching this JSON Schema: {"type":"object"}"#
        );
        assert_eq!(messages[2]["content"], "hi");
    }

    #[test]
    fn anthropic_headers_and_body() {
        let h = headers(&provider(Kind::Anthropic, Some("ak")), 3);
        assert!(h.contains(&("x-api-key".into(), b"ak".to_vec())));
        assert!(h.contains(&("anthropic-version".into(), b"2023-06-01".to_vec())));
        assert!(!h.iter().any(|(n, _)| n == "authorization"));
        assert_eq!(endpoint(Kind::Anthropic), "/messages");
        let turns = [
            ("system", "be kind"),
            ("user", "hi"),
            ("system", "be brief"),
            ("user", "again"),
            ("assistant", "hello"),
            ("user", "bye"),
        ];
        let body: Value = serde_json::from_str(&request_body(
            Kind::Anthropic,
            "claude",
            &turns,
            None,
            Some(1.5),
            None,
        ))
        .unwrap();
        assert_eq!(
            body,
            json!({"model":"claude","max_tokens":1024,"temperature":1.0,"system":"be kind\n\nbe brief",
                "messages":[{"role":"user","content":"hi\n\nagain"},{"role":"assistant","content":"hello"},
                    {"role":"user","content":"bye"}]})
        );
        let body: Value = serde_json::from_str(&request_body(
            Kind::Anthropic,
            "claude",
            &[("user", "hi")],
            Some(10),
            None,
            Some(&json!({"type":"array"})),
        ))
        .unwrap();
        assert_eq!(body["max_tokens"], 10);
        assert!(body.get("temperature").is_none());
        assert_eq!(
            body["system"],
            r#"Reply with only JSON matching this JSON Schema: {"type":"array"}"#
        );
    }

    #[test]
    fn openai_replies_parse_and_garbage_is_an_error() {
        let ok = br#"{"model":"m","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#;
        assert_eq!(
            parse_reply(Kind::OpenAi, ok).unwrap(),
            Reply {
                content: "hi".into(),
                model: "m".into(),
                input_tokens: 3,
                output_tokens: 1
            }
        );
        assert!(
            parse_reply(Kind::OpenAi, b"<html>")
                .unwrap_err()
                .contains("malformed")
        );
        assert!(parse_reply(Kind::OpenAi, br#"{"choices":[]}"#).is_err());
    }

    #[test]
    fn anthropic_replies_parse_and_garbage_is_an_error() {
        let ok = br#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5",
            "content":[{"type":"text","text":"Hel"},{"type":"tool_use","id":"x"},{"type":"text","text":"lo"}],
            "stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":2}}"#;
        assert_eq!(
            parse_reply(Kind::Anthropic, ok).unwrap(),
            Reply {
                content: "Hello".into(),
                model: "claude-haiku-4-5".into(),
                input_tokens: 12,
                output_tokens: 2
            }
        );
        assert!(
            parse_reply(Kind::Anthropic, b"not json")
                .unwrap_err()
                .contains("malformed")
        );
        assert!(parse_reply(Kind::Anthropic, br#"{"type":"message","content":[]}"#).is_err());
        let err = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert!(
            parse_reply(Kind::Anthropic, err)
                .unwrap_err()
                .contains("overloaded_error: Overloaded")
        );
    }

    #[test]
    fn error_messages_of_both_kinds() {
        assert_eq!(
            error_message(
                br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            )
            .unwrap(),
            "overloaded_error: Overloaded"
        );
        assert_eq!(
            error_message(br#"{"error":{"message":"slow down"}}"#).unwrap(),
            "slow down"
        );
        assert_eq!(
            error_message(b"\n<html>Bad gateway</html>\n").unwrap(),
            "<html>Bad gateway</html>"
        );
        assert_eq!(error_message(br#"{"ok":true}"#), None);
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
