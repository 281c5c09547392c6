//! One provider exchange over `wasi:http/outgoing-handler` (wasm32 only). The attempt
//! timeout is set on the request's `request-options` (connect, first byte, between bytes),
//! which the host's sender enforces, so a stalled provider ends as [`Transport::Timeout`]
//! rather than holding the call until the plugin's own deadline.

use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, IncomingResponse, Method, OutgoingBody, OutgoingRequest, RequestOptions,
    Scheme, http_error_code,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::gateway::{HttpReply, HttpRequest, Transport};

/// Most reply bytes read from a provider; a longer reply is a failed attempt.
const MAX_REPLY: usize = 4 << 20;

/// Sends `request` and reads the whole reply.
pub fn send(request: &HttpRequest) -> Result<HttpReply, Transport> {
    let refused = |m: &str| Transport::Refused(m.to_owned());
    let (scheme, rest) = match request.url.split_once("://") {
        Some(("https", rest)) => (Scheme::Https, rest),
        Some(("http", rest)) => (Scheme::Http, rest),
        _ => return Err(refused("base_url is not an http(s) URL")),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let fields = Fields::from_list(&request.headers)
        .map_err(|e| Transport::Refused(format!("bad header: {e:?}")))?;
    let outgoing = OutgoingRequest::new(fields);
    outgoing
        .set_method(&Method::Post)
        .and(outgoing.set_scheme(Some(&scheme)))
        .and(outgoing.set_authority(Some(authority)))
        .and(outgoing.set_path_with_query(Some(path)))
        .map_err(|()| refused("base_url is not a valid URL"))?;
    let options = RequestOptions::new();
    let ns = Some(request.timeout_ms.saturating_mul(1_000_000));
    // A host that does not support a timeout refuses to set it; the plugin's deadline
    // still bounds the call.
    let _ = options.set_connect_timeout(ns);
    let _ = options.set_first_byte_timeout(ns);
    let _ = options.set_between_bytes_timeout(ns);
    let body = outgoing.body().map_err(|()| refused("no request body"))?;
    // Hand the request over before writing the body, so a body larger than the host's
    // buffer streams instead of blocking.
    let future = outgoing_handler::handle(outgoing, Some(options)).map_err(transport)?;
    // A failed write or finish shows up as the exchange's error below, which says more.
    let _ = write_body(&body, request.body.as_bytes());
    let _ = OutgoingBody::finish(body, None);
    let response = loop {
        match future.get() {
            Some(r) => break r,
            None => future.subscribe().block(),
        }
    };
    let response = response
        .map_err(|()| Transport::Connection("response taken twice".into()))?
        .map_err(transport)?;
    read(response)
}

fn write_body(body: &OutgoingBody, bytes: &[u8]) -> Result<(), Transport> {
    let stream = body
        .write()
        .map_err(|()| Transport::Connection("no request body stream".into()))?;
    for chunk in bytes.chunks(4096) {
        stream
            .blocking_write_and_flush(chunk)
            .map_err(stream_error)?;
    }
    Ok(())
}

fn read(response: IncomingResponse) -> Result<HttpReply, Transport> {
    let status = response.status();
    let retry_after = {
        let headers = response.headers();
        headers
            .get("retry-after")
            .into_iter()
            .next()
            .and_then(|v| String::from_utf8(v).ok())
    };
    let incoming = response
        .consume()
        .map_err(|()| Transport::Connection("response body taken".into()))?;
    let mut bytes = Vec::new();
    {
        let stream = incoming
            .stream()
            .map_err(|()| Transport::Connection("response body stream taken".into()))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_REPLY {
                        return Err(Transport::Connection(format!(
                            "reply over {MAX_REPLY} bytes"
                        )));
                    }
                }
                Err(StreamError::Closed) => break,
                Err(e) => return Err(stream_error(e)),
            }
        }
    }
    drop(incoming);
    Ok(HttpReply {
        status,
        retry_after,
        body: bytes,
    })
}

fn stream_error(e: StreamError) -> Transport {
    match e {
        StreamError::Closed => Transport::Connection("connection closed".into()),
        StreamError::LastOperationFailed(err) => match http_error_code(&err) {
            Some(code) => transport(code),
            None => Transport::Connection(err.to_debug_string()),
        },
    }
}

fn transport(code: ErrorCode) -> Transport {
    match code {
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => Transport::Timeout,
        ErrorCode::HttpRequestDenied => Transport::Refused(
            "the host denied it (add the provider's host to grants.outbound_hosts)".into(),
        ),
        ErrorCode::HttpRequestUriInvalid | ErrorCode::HttpRequestMethodInvalid => {
            Transport::Refused(format!("{code:?}"))
        }
        other => Transport::Connection(format!("{other:?}")),
    }
}
