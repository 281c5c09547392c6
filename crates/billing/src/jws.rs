//! Compact-JWS plumbing shared by the Apple verifier and the service-account signer.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::{BillingError, Result};

/// base64url that accepts input with or without `=` padding: RFC 7515 says unpadded, but
/// being lenient on decode costs nothing and the signature still covers the exact bytes.
pub(crate) const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64 (x5c entries, Pub/Sub `message.data`), padding optional on decode.
pub(crate) const B64STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The three parts of a compact JWS, still encoded, plus the signing input they cover.
pub(crate) struct CompactJws<'a> {
    pub header: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
}

/// Splits `token` into its three parts; anything else is not a JWS and so cannot be
/// authenticated.
pub(crate) fn split(token: &str) -> Result<CompactJws<'_>> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BillingError::unauthenticated(
            "not a compact JWS (expected three dot-separated parts)",
        ));
    };
    let signing_input = &token[..header.len() + 1 + payload.len()];
    Ok(CompactJws {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// Decodes one base64url part, naming it in the error.
pub(crate) fn decode_part(part: &str, what: &str) -> Result<Vec<u8>> {
    B64URL
        .decode(part)
        .map_err(|e| BillingError::unauthenticated(format!("JWS {what} is not base64url: {e}")))
}

/// Seconds since the Unix epoch; a clock before 1970 reads as 0 rather than panicking.
pub(crate) fn unix_secs(now: std::time::SystemTime) -> i64 {
    now.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
