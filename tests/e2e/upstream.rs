//! A test double for an OpenAI-compatible provider: a real HTTP server on 127.0.0.1 that
//! answers chat completions in OpenAI's wire format and counts what it received.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the double answers.
#[derive(Clone, Copy)]
pub enum Behaviour {
    /// A well-formed completion echoing the last message.
    Answer,
    /// HTTP 429.
    RateLimit,
    /// HTTP 200 with a body that is not JSON.
    Garbage,
}

/// A running double.
pub struct Upstream {
    /// Its port.
    pub port: u16,
    /// Requests received.
    pub hits: Arc<AtomicUsize>,
    /// The last request body.
    pub last: Arc<std::sync::Mutex<Value>>,
}

impl Upstream {
    /// Starts a double answering with `behaviour`.
    pub async fn start(behaviour: Behaviour) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let last = Arc::new(std::sync::Mutex::new(Value::Null));
        let (h, l) = (hits.clone(), last.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (h, l) = (h.clone(), l.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let (head_end, length) = loop {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
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
                    h.fetch_add(1, Ordering::SeqCst);
                    let request: Value =
                        serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut stored = request.clone();
                    stored["_authorization"] = json!(
                        head.lines()
                            .find(|l| l.to_lowercase().starts_with("authorization:"))
                    );
                    *l.lock().unwrap() = stored;
                    let (status, body) = match behaviour {
                        Behaviour::Answer => {
                            let last = request["messages"]
                                .as_array()
                                .and_then(|m| m.last())
                                .and_then(|m| m["content"].as_str())
                                .unwrap_or("")
                                .to_owned();
                            ("200 OK", json!({ "id": "x", "object": "chat.completion", "model": request["model"],
                                "choices": [{ "index": 0, "message": { "role": "assistant", "content": format!("upstream says: {last}") }, "finish_reason": "stop" }],
                                "usage": { "prompt_tokens": 7, "completion_tokens": 4, "total_tokens": 11 } }).to_string())
                        }
                        Behaviour::RateLimit => (
                            "429 Too Many Requests",
                            json!({ "error": { "message": "slow down" } }).to_string(),
                        ),
                        Behaviour::Garbage => ("200 OK", "<html>not json</html>".to_owned()),
                    };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        Upstream { port, hits, last }
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A plugin folder holding an ai-gateway manifest whose provider `local` (model
/// `gpt-test`) is the double at `port`.
pub fn gateway_plugin_dir(port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let component = crate::support::component("ai_gateway.wasm");
    let providers = json!([{ "name": "local", "kind": "openai",
        "base_url": format!("http://127.0.0.1:{port}/v1"), "api_key": "sk-test", "models": ["gpt-test"] }]);
    std::fs::write(
        dir.path().join("plugin.toml"),
        format!(
            "id = \"ai-gateway\"\nversion = \"0.1.0\"\ncontract = \"0.1.0\"\nworld = \"llm-plugin\"\n\
             component = {:?}\n[limits]\ntimeout_ms = 5000\n[grants]\noutbound_hosts = [\"127.0.0.1\"]\n\
             [grants.config]\nproviders = {:?}\n",
            component.display().to_string(),
            providers.to_string()
        ),
    )
    .unwrap();
    dir
}
