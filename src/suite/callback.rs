//! How webhook callbacks are read and trusted, in `channels.toml`:
//! `receive.header_block` (a field holding an RFC 5322 header block) and
//! `receive.verify` (the callback's HMAC signature, one of three schemes
//! real providers use).
//!
//! ```toml
//! [chat.receive.verify]
//! over = "body"                          # or "timestamp+token" (Mailgun), "url+params" (Twilio)
//! hmac = "sha256"                        # or "sha1"
//! secret = "{{ env.CHAT_WEBHOOK_SECRET }}"
//! header = "X-Hub-Signature-256"         # where the signature is ("body", "url+params")
//! prefix = "sha256="                     # stripped before comparing
//! ```

use serde::{Deserialize, Serialize};

/// `receive.verify`: a callback whose signature is missing is answered 401,
/// one whose signature does not match 403; neither is ever read as a reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verify {
    /// What the HMAC is computed over.
    pub over: Over,
    #[serde(default)]
    pub hmac: Hmac,
    /// The shared secret, a template: `"{{ env.NAME }}"` (redacted everywhere).
    pub secret: String,
    /// The HTTP header holding the signature (`over = "body"` and `"url+params"`).
    #[serde(default)]
    pub header: Option<String>,
    /// Stripped from the signature before decoding (`"sha256="`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// How the signature is written; by default hex or base64 are both accepted.
    #[serde(default)]
    pub encoding: Option<Encoding>,
}

/// What a provider signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Over {
    /// The raw request body (GitHub, Slack-style `X-…-Signature: sha256=<hex>`).
    #[serde(rename = "body")]
    Body,
    /// The fields `timestamp` and `token` concatenated; the signature is the
    /// field `signature` (Mailgun; also inside a `signature` object).
    #[serde(rename = "timestamp+token")]
    TimestampToken,
    /// The URL the provider was given, then each form parameter's name and
    /// value in name order (Twilio's `X-Twilio-Signature`, base64 HMAC-SHA1).
    #[serde(rename = "url+params")]
    UrlParams,
}

impl Over {
    pub const NAMES: [&'static str; 3] = ["body", "timestamp+token", "url+params"];
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hmac {
    #[default]
    Sha256,
    Sha1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Hex,
    Base64,
}
