//! `edge-gateway` (spin.toml's catch-all route; docs/edge.md, "Gateway"): whatever the
//! other edge components do not answer goes to the origin as it came — method, path,
//! query, headers and body — and the origin's answer comes back as it went: status,
//! headers (every value of a repeated one, such as `Set-Cookie`) and body. Bodies stream
//! both ways, chunk by chunk, so an upload is not held in the edge's memory and a
//! server-sent event reaches the client when the origin writes it.
//!
//! The origin learns the client's address from [`edge_kit::origin::CLIENT_ADDR_HEADER`],
//! which it believes only beside the shared secret; whatever a client sent under either
//! name is dropped first.

use edge_kit::origin::{self, Origin};
use futures::{SinkExt, StreamExt};
use spin_sdk::http::{
    Fields, IncomingRequest, IncomingResponse, OutgoingRequest, OutgoingResponse, ResponseOutparam,
    Scheme,
};
use spin_sdk::http_component;

#[http_component]
async fn handle(request: IncomingRequest, out: ResponseOutparam) {
    let origin = match Origin::from_config() {
        Ok(origin) => origin,
        Err(e) => return answer(out, edge_kit::reply::misconfigured(&e.to_string())).await,
    };
    if let Err(response) = proxy(&origin, request, out).await {
        // `proxy` hands back the outparam's answer only when nothing was sent yet.
        let (out, response) = *response;
        answer(out, response).await;
    }
}

type Unsent = Box<(ResponseOutparam, spin_sdk::http::Response)>;

async fn proxy(
    origin: &Origin,
    request: IncomingRequest,
    out: ResponseOutparam,
) -> Result<(), Unsent> {
    let unavailable =
        |out, message: String| Box::new((out, edge_kit::reply::unavailable(&message)));
    let path = request.path_with_query().unwrap_or_else(|| "/".to_owned());
    let url = origin.url(&path);
    let Some((scheme, authority)) = split_url(&url) else {
        return Err(Box::new((
            out,
            edge_kit::reply::misconfigured(
                "the edge variable `origin_url` is not scheme://host[:port]",
            ),
        )));
    };
    // The client's headers, minus what only the edge may say, plus the edge's proof.
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let mut client_ip = None;
    for (name, value) in request.headers().entries() {
        if name.eq_ignore_ascii_case(origin::SPIN_CLIENT_ADDR) {
            client_ip = std::str::from_utf8(&value).ok().and_then(origin::client_ip);
        }
        if !origin::is_dropped(&name) {
            headers.push((name, value));
        }
    }
    for (name, value) in origin.edge_headers(client_ip.as_deref()) {
        headers.push((name, value.into_bytes()));
    }
    let Ok(fields) = Fields::from_list(&headers) else {
        return Err(Box::new((
            out,
            edge_kit::reply::error(
                400,
                "BAD_REQUEST",
                "a request header could not be passed on",
                None,
            ),
        )));
    };
    let outgoing = OutgoingRequest::new(fields);
    _ = outgoing.set_method(&request.method());
    _ = outgoing.set_path_with_query(Some(&path));
    _ = outgoing.set_scheme(Some(&scheme));
    _ = outgoing.set_authority(Some(&authority));
    let mut upload = outgoing.take_body();
    let sending = spin_sdk::http::send::<_, IncomingResponse>(outgoing);
    // The request body streams to the origin while its answer is awaited.
    let mut body = request.into_body_stream();
    let uploading = async {
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(chunk) => {
                    if upload.send(chunk).await.is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        drop(upload);
    };
    let (response, ()) = futures::join!(sending, uploading);
    let response = match response {
        Ok(response) => response,
        Err(e) => return Err(unavailable(out, format!("the origin is unreachable: {e}"))),
    };
    let returned: Vec<(String, Vec<u8>)> = response
        .headers()
        .entries()
        .into_iter()
        .filter(|(name, _)| !is_hop_by_hop(name))
        .collect();
    let Ok(fields) = Fields::from_list(&returned) else {
        return Err(unavailable(
            out,
            "the origin's answer had a header that cannot be passed on".into(),
        ));
    };
    let answer = OutgoingResponse::new(fields);
    _ = answer.set_status_code(response.status());
    let mut sink = answer.take_body();
    out.set(answer);
    let mut stream = response.take_body_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        if sink.send(chunk).await.is_err() {
            // The client left: stop reading from the origin.
            break;
        }
    }
    Ok(())
}

/// Response headers that describe one connection, not the message.
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

/// `scheme://authority` of the origin's URL.
fn split_url(url: &str) -> Option<(Scheme, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?.to_owned();
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_owned()),
    };
    (!authority.is_empty()).then_some((scheme, authority))
}

/// Sends a whole (small) answer through the outparam.
async fn answer(out: ResponseOutparam, response: spin_sdk::http::Response) {
    let headers: Vec<(String, Vec<u8>)> = response
        .headers()
        .map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec()))
        .collect();
    let fields = Fields::from_list(&headers).unwrap_or_else(|_| Fields::new());
    let outgoing = OutgoingResponse::new(fields);
    _ = outgoing.set_status_code(*response.status());
    _ = out.set_with_body(outgoing, response.into_body()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_urls_split() {
        let (scheme, authority) = split_url("https://api.example.com/x").unwrap();
        assert!(matches!(scheme, Scheme::Https));
        assert_eq!(authority, "api.example.com");
        assert!(split_url("no scheme").is_none());
        assert!(is_hop_by_hop("Transfer-Encoding"));
        assert!(!is_hop_by_hop("set-cookie"));
    }
}
