//! What the host offers an Extism module, by grant.
//!
//! - Always: Extism's kernel (memory, input and output, config, vars, logging), and the
//!   host's own `http_request` / `http_status_code` / `http_headers` in place of Extism's,
//!   because Extism's `allowed_hosts` matches host names only while a Tessera grant names a
//!   port too (granting `127.0.0.1:8080` must not open `127.0.0.1:6379`). Without
//!   `grants.outbound_hosts` every request is refused before a connection is made.
//! - `grants.keyvalue`: `kv_get(key) -> json` (`null`, or the value as a JSON string),
//!   `kv_set(key, value)` and `kv_delete(key)` in `extism:host/user`, on the plugin's
//!   private bucket (the same store and quotas as a component's `wasi:keyvalue`); a refused
//!   write (quota) fails the call with the reason.
//! - `grants.llm`: `llm_complete(request) -> result` in `extism:host/user`: the contract's
//!   `chat-request` as JSON in, `{"ok": chat-response}` or `{"err": llm-error}` (WIT case
//!   names) out, through the same AI gateway, safety gate and budgets as a component's
//!   `llm` import, for the user the call is made for.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use ::extism::{CurrentPlugin, Function, PTR, UserData, Val, ValType};
use serde::Deserialize;

use crate::plugins::contract::llm::{ChatRequest, LlmError};
use crate::runtime::capabilities::PluginServices;
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::runtime::capabilities::outbound_http::OutboundPolicy;

/// The bucket an Extism plugin's `kv_*` functions use (components name their own).
pub const KV_BUCKET: &str = "default";

/// The user functions `grants.keyvalue` links.
pub const KV_FUNCTIONS: [&str; 3] = ["kv_get", "kv_set", "kv_delete"];

/// The user function `grants.llm` links.
pub const LLM_FUNCTION: &str = "llm_complete";

/// State of one call, handed to Extism as the call's host context.
pub struct CallContext {
    services: Arc<PluginServices>,
    on_behalf_of: Option<Arc<OnBehalfOf>>,
    runtime: tokio::runtime::Handle,
    http_status: u16,
    http_headers: BTreeMap<String, String>,
}

impl CallContext {
    /// The context of a call of the plugin whose services are `services`, made for
    /// `on_behalf_of` when a user's request asks for it; must be made on the async runtime
    /// (host functions block on it from the call's thread).
    pub fn new(services: Arc<PluginServices>, on_behalf_of: Option<Arc<OnBehalfOf>>) -> Self {
        Self {
            services,
            on_behalf_of,
            runtime: tokio::runtime::Handle::current(),
            http_status: 0,
            http_headers: BTreeMap::new(),
        }
    }
}

/// The host functions an Extism plugin is linked against: the key-value and model
/// functions when granted.
pub fn for_plugin(keyvalue: bool, llm: bool) -> Vec<Function> {
    let mut functions = vec![
        in_env(Function::new(
            "http_request",
            [PTR, PTR],
            [PTR],
            UserData::new(()),
            http_request,
        )),
        in_env(Function::new(
            "http_status_code",
            [],
            [ValType::I32],
            UserData::new(()),
            |plugin, _, out, _| {
                out[0] = Val::I32(i32::from(context(plugin)?.http_status));
                Ok(())
            },
        )),
        in_env(Function::new(
            "http_headers",
            [],
            [PTR],
            UserData::new(()),
            |plugin, _, out, _| {
                let headers = serde_json::to_string(&context(plugin)?.http_headers)?;
                plugin.memory_set_val(&mut out[0], headers)?;
                Ok(())
            },
        )),
    ];
    if keyvalue {
        functions.extend([
            Function::new("kv_get", [PTR], [PTR], UserData::new(()), kv_get),
            Function::new("kv_set", [PTR, PTR], [], UserData::new(()), kv_set),
            Function::new("kv_delete", [PTR], [], UserData::new(()), kv_delete),
        ]);
    }
    if llm {
        functions.push(Function::new(
            LLM_FUNCTION,
            [PTR],
            [PTR],
            UserData::new(()),
            llm_complete,
        ));
    }
    functions
}

/// Replaces the kernel's function of the same name (Extism links user functions last,
/// with shadowing on).
fn in_env(mut f: Function) -> Function {
    f.set_namespace(::extism::EXTISM_ENV_MODULE);
    f
}

fn context(plugin: &mut CurrentPlugin) -> Result<&mut CallContext, ::extism::Error> {
    plugin.host_context::<CallContext>()
}

/// The request a PDK's `http::request` sends (Extism's manifest `HttpRequest`).
#[derive(Deserialize)]
struct HttpRequest {
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    method: Option<String>,
}

/// A client that goes only where it is sent: no proxy from the environment, no redirects
/// (a redirect to an ungranted host would slip past the grant).
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

fn http_request(
    plugin: &mut CurrentPlugin,
    inputs: &[Val],
    out: &mut [Val],
    _: UserData<()>,
) -> Result<(), ::extism::Error> {
    let request: HttpRequest = {
        let text: &[u8] = plugin.memory_get_val(&inputs[0])?;
        serde_json::from_slice(text)?
    };
    let body: Option<Vec<u8>> = match inputs[1].i64() {
        Some(offset) if offset > 0 => Some(plugin.memory_get_val::<&[u8]>(&inputs[1])?.to_vec()),
        _ => None,
    };
    let remaining = plugin.time_remaining();
    let url = reqwest::Url::parse(&request.url)
        .map_err(|e| ::extism::Error::msg(format!("invalid URL {}: {e}", request.url)))?;
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let port = match url.scheme() {
        "http" | "https" => url.port_or_known_default(),
        _ => None,
    };
    let ctx = context(plugin)?;
    if !OutboundPolicy::new(ctx.services.outbound_hosts.clone()).allows(host, port) {
        return Err(::extism::Error::msg(format!(
            "HTTP request to {} is not allowed: grants.outbound_hosts does not list {host}{}",
            request.url,
            port.map(|p| format!(":{p}")).unwrap_or_default()
        )));
    }
    let method = reqwest::Method::from_bytes(
        request
            .method
            .as_deref()
            .unwrap_or("GET")
            .to_ascii_uppercase()
            .as_bytes(),
    )?;
    // The response must fit in the plugin's memory anyway.
    let cap = ctx.services.limits.memory_mb << 20;
    let mut builder = client().request(method, url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = body {
        builder = builder.body(body);
    }
    if let Some(remaining) = remaining {
        builder = builder.timeout(remaining);
    }
    let (status, headers, body) = ctx.runtime.block_on(async {
        let mut response = builder.send().await?;
        let status = response.status().as_u16();
        let headers: BTreeMap<String, String> = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(::extism::Error::msg(format!(
                    "HTTP response is larger than the plugin's memory ({} MiB)",
                    cap >> 20
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok::<_, ::extism::Error>((status, headers, body))
    })?;
    ctx.http_status = status;
    ctx.http_headers = headers;
    plugin.memory_set_val(&mut out[0], body)?;
    Ok(())
}

fn kv_get(
    plugin: &mut CurrentPlugin,
    inputs: &[Val],
    out: &mut [Val],
    _: UserData<()>,
) -> Result<(), ::extism::Error> {
    let key: String = plugin.memory_get_val::<&str>(&inputs[0])?.to_owned();
    let ctx = context(plugin)?;
    let value = ctx
        .runtime
        .block_on(ctx.services.keyvalue.get(KV_BUCKET, &key))
        .map_err(|e| ::extism::Error::msg(format!("kv_get {key}: {e}")))?;
    let json = match value {
        None => serde_json::Value::Null,
        Some(bytes) => serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned()),
    };
    plugin.memory_set_val(&mut out[0], json.to_string())?;
    Ok(())
}

fn kv_set(
    plugin: &mut CurrentPlugin,
    inputs: &[Val],
    _: &mut [Val],
    _: UserData<()>,
) -> Result<(), ::extism::Error> {
    let key: String = plugin.memory_get_val::<&str>(&inputs[0])?.to_owned();
    let value: Vec<u8> = plugin.memory_get_val::<&[u8]>(&inputs[1])?.to_vec();
    let ctx = context(plugin)?;
    let services = ctx.services.clone();
    ctx.runtime
        .block_on(
            services
                .keyvalue
                .set(KV_BUCKET.to_owned(), key.clone(), value, &services.limits),
        )
        .map_err(|e| ::extism::Error::msg(format!("kv_set {key}: {e}")))
}

fn kv_delete(
    plugin: &mut CurrentPlugin,
    inputs: &[Val],
    _: &mut [Val],
    _: UserData<()>,
) -> Result<(), ::extism::Error> {
    let key: String = plugin.memory_get_val::<&str>(&inputs[0])?.to_owned();
    let ctx = context(plugin)?;
    ctx.runtime
        .block_on(ctx.services.keyvalue.delete(KV_BUCKET, &key))
        .map_err(|e| ::extism::Error::msg(format!("kv_delete {key}: {e}")))
}

fn llm_complete(
    plugin: &mut CurrentPlugin,
    inputs: &[Val],
    out: &mut [Val],
    _: UserData<()>,
) -> Result<(), ::extism::Error> {
    let request: Result<ChatRequest, _> =
        serde_json::from_slice(plugin.memory_get_val::<&[u8]>(&inputs[0])?);
    let ctx = context(plugin)?;
    let result = match request {
        Err(e) => Err(LlmError::InvalidRequest(
            crate::plugins::contract::types::FieldError {
                field: "request".into(),
                message: format!("is not a chat-request: {e}"),
            },
        )),
        Ok(request) => match ctx.services.llm.get() {
            None => Err(LlmError::Unavailable(
                "no AI gateway is running on this host".into(),
            )),
            Some(backend) => ctx.runtime.block_on(backend.complete(
                ctx.services.plugin.to_string(),
                ctx.on_behalf_of.clone(),
                request,
            )),
        },
    };
    let json = match result {
        Ok(response) => serde_json::json!({ "ok": response }),
        Err(e) => serde_json::json!({ "err": super::wire::llm_error(&e) }),
    };
    plugin.memory_set_val(&mut out[0], json.to_string())?;
    Ok(())
}
