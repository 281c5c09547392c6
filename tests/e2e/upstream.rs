//! A test double for model providers: a real HTTP server on 127.0.0.1 speaking OpenAI's
//! chat-completions format (`POST …/chat/completions`) or Anthropic's Messages API
//! (`POST …/messages`), told per request to answer, fail, stall, rate-limit or return
//! malformed JSON, and counting what it received.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Which provider API the double speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// OpenAI chat completions.
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
}

/// What the double answers one request with.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// A well-formed completion echoing the last message (`upstream says: …`), 7 tokens
    /// in, 4 out.
    Answer,
    /// A well-formed completion with exactly this content.
    Say(String),
    /// A well-formed completion with this content reporting this many tokens in and out
    /// (a provider's answer to a long prompt).
    SayCosting(String, u32, u32),
    /// HTTP 429, with `Retry-After` in seconds when given.
    RateLimit(Option<&'static str>),
    /// This HTTP status with an error body (503, 529 …).
    Fail(u16),
    /// Waits this long before answering (a stalled provider).
    Stall(Duration),
    /// A well-formed completion with this content after this wait (a slow model).
    SayAfter(Duration, String),
    /// HTTP 200 with a body that is not JSON.
    Garbage,
}

/// A running double.
pub struct Upstream {
    /// Its port.
    pub port: u16,
    hits: Arc<AtomicUsize>,
    last: Arc<Mutex<Value>>,
    script: Arc<Mutex<(VecDeque<Behaviour>, Behaviour)>>,
}

/// The request's head (lower-cased) and body, once complete.
pub(crate) async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let n = socket.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (i + 4, length);
        }
    };
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    Some((head, buf[head_end..].to_vec()))
}

/// A completion with `content` in `wire`'s format, 7 tokens in and 4 out (fewer out when
/// `max_tokens` is smaller).
fn completion(wire: Wire, request: &Value, content: &str) -> String {
    completion_costing(wire, request, content, 7, 4)
}

/// A completion with `content` in `wire`'s format reporting this usage. Like a real
/// provider, it never reports more output than the request's `max_tokens`.
fn completion_costing(
    wire: Wire,
    request: &Value,
    content: &str,
    input: u32,
    output: u32,
) -> String {
    let model = &request["model"];
    let output = request["max_tokens"].as_u64().map_or(output, |max| {
        output.min(u32::try_from(max).unwrap_or(u32::MAX))
    });
    match wire {
        Wire::OpenAi => json!({ "id": "x", "object": "chat.completion", "model": model,
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output } }),
        Wire::Anthropic => json!({ "id": "msg_x", "type": "message", "role": "assistant", "model": model,
            "content": [{ "type": "text", "text": content }], "stop_reason": "end_turn",
            "usage": { "input_tokens": input, "output_tokens": output } }),
    }
    .to_string()
}

fn error_body(wire: Wire, message: &str) -> String {
    match wire {
        Wire::OpenAi => json!({ "error": { "message": message, "type": "server_error" } }),
        Wire::Anthropic => {
            json!({ "type": "error", "error": { "type": "api_error", "message": message } })
        }
    }
    .to_string()
}

impl Upstream {
    /// Starts an OpenAI-format double answering every request with `behaviour`.
    pub async fn start(behaviour: Behaviour) -> Upstream {
        Self::speaking(Wire::OpenAi, behaviour).await
    }

    /// Starts a double speaking `wire`, answering with `behaviour` unless scripted.
    pub async fn speaking(wire: Wire, behaviour: Behaviour) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let last = Arc::new(Mutex::new(Value::Null));
        let script = Arc::new(Mutex::new((VecDeque::new(), behaviour)));
        let (h, l, s) = (hits.clone(), last.clone(), script.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (h, l, s) = (h.clone(), l.clone(), s.clone());
                tokio::spawn(async move {
                    let Some((head, body)) = read_request(&mut socket).await else {
                        return;
                    };
                    h.fetch_add(1, Ordering::SeqCst);
                    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let mut stored = request.clone();
                    stored["_head"] = json!(head);
                    *l.lock().unwrap() = stored;
                    let behaviour = {
                        let mut script = s.lock().unwrap();
                        let fallback = script.1.clone();
                        script.0.pop_front().unwrap_or(fallback)
                    };
                    let last_text = match wire {
                        Wire::OpenAi => request["messages"].as_array().and_then(|m| m.last()),
                        Wire::Anthropic => request["messages"].as_array().and_then(|m| m.last()),
                    }
                    .and_then(|m| m["content"].as_str())
                    .unwrap_or("")
                    .to_owned();
                    let mut extra = String::new();
                    let (status, body) = match behaviour {
                        Behaviour::Answer => (
                            "200 OK".to_owned(),
                            completion(wire, &request, &format!("upstream says: {last_text}")),
                        ),
                        Behaviour::Say(content) => {
                            ("200 OK".to_owned(), completion(wire, &request, &content))
                        }
                        Behaviour::SayCosting(content, input, output) => (
                            "200 OK".to_owned(),
                            completion_costing(wire, &request, &content, input, output),
                        ),
                        Behaviour::RateLimit(after) => {
                            if let Some(after) = after {
                                extra = format!("retry-after: {after}\r\n");
                            }
                            (
                                "429 Too Many Requests".to_owned(),
                                error_body(wire, "slow down"),
                            )
                        }
                        Behaviour::Fail(code) => {
                            (format!("{code} Failing"), error_body(wire, "overloaded"))
                        }
                        Behaviour::Stall(wait) => {
                            tokio::time::sleep(wait).await;
                            ("200 OK".to_owned(), completion(wire, &request, "too late"))
                        }
                        Behaviour::SayAfter(wait, content) => {
                            tokio::time::sleep(wait).await;
                            ("200 OK".to_owned(), completion(wire, &request, &content))
                        }
                        Behaviour::Garbage => ("200 OK".to_owned(), "<html>not json</html>".into()),
                    };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        Upstream {
            port,
            hits,
            last,
            script,
        }
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The last request body, with its lower-cased head under `_head`.
    pub fn last(&self) -> Value {
        self.last.lock().unwrap().clone()
    }

    /// From now on, answers with `behaviour` (after any scripted answers).
    pub fn set(&self, behaviour: Behaviour) {
        self.script.lock().unwrap().1 = behaviour;
    }

    /// The next requests get these answers, in order; then the default again.
    pub fn script(&self, answers: impl IntoIterator<Item = Behaviour>) {
        self.script.lock().unwrap().0.extend(answers);
    }
}

/// One provider entry for the gateway's `providers` config.
pub fn provider(name: &str, wire: Wire, port: u16, models: &[&str]) -> Value {
    json!({ "name": name,
            "kind": match wire { Wire::OpenAi => "openai", Wire::Anthropic => "anthropic" },
            "base_url": format!("http://127.0.0.1:{port}/v1"), "api_key": format!("sk-{name}"),
            "models": models })
}

/// A plugin folder holding an ai-gateway manifest with these providers and extra config
/// values (`routes`, `retry`, `breaker`, …, each a JSON value written as its text).
pub fn gateway_with(providers: &[Value], config: &[(&str, Value)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let component = crate::support::component("ai_gateway.wasm");
    let mut values = format!(
        "providers = {:?}\n",
        Value::from(providers.to_vec()).to_string()
    );
    for (key, value) in config {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        values.push_str(&format!("{key} = {text:?}\n"));
    }
    std::fs::write(
        dir.path().join("plugin.toml"),
        format!(
            "id = \"ai-gateway\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\nworld = \"llm-plugin\"\n\
             component = {:?}\n[limits]\ntimeout_ms = 20000\n[grants]\noutbound_hosts = {:?}\n\
             keyvalue = true\n[grants.config]\n{values}",
            component.display().to_string(),
            granted_hosts(providers),
        ),
    )
    .unwrap();
    dir
}

/// `host:port` of every provider's `base_url` (grants name ports: a bare host would
/// allow only 80 and 443); at least one entry, so the grant stays on.
fn granted_hosts(providers: &[Value]) -> Vec<String> {
    let mut hosts: Vec<String> = providers
        .iter()
        .filter_map(|p| p["base_url"].as_str())
        .filter_map(|url| url.split_once("://"))
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest).to_owned())
        .collect();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() {
        hosts.push("127.0.0.1".into());
    }
    hosts
}

/// A gateway whose provider `local` (model `gpt-test`) is the OpenAI double at `port`.
pub fn gateway_plugin_dir(port: u16) -> tempfile::TempDir {
    gateway_with(&[provider("local", Wire::OpenAi, port, &["gpt-test"])], &[])
}
