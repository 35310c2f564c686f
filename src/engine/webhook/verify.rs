//! Signature verification of callbacks, declared in `channels.toml`
//! (`receive.verify`, see `suite::callback`): HMAC-SHA256 or -SHA1 over the
//! raw body, over `timestamp` + `token` (Mailgun), or over the URL the
//! provider was given plus its form parameters in name order (Twilio).
//! Signatures are compared in constant time (`Mac::verify_slice`).

use super::parse::Parsed;
use crate::suite::callback::{Encoding, Hmac, Over, Verify};
use base64::Engine as _;
use hmac::Mac;
use serde_json::Value;

/// A webhook step that waited in vain. When callbacks came but every one
/// was refused by `receive.verify`, the likelier cause is the suite's secret
/// or header, not the company: a run problem naming the key, not a finding.
pub fn no_reply(
    http: &[crate::record::Http],
    unmatched: usize,
    max_wait: std::time::Duration,
) -> crate::record::StepError {
    use crate::record::{ErrorKind, Purpose, StepError};
    let wait = humantime::format_duration(max_wait);
    let refused = http
        .iter()
        .filter(|h| h.purpose == Purpose::Webhook && h.callback.is_some_and(|n| n.invalid_signature()))
        .count();
    if refused > 0 && unmatched == 0 {
        return StepError {
            kind: ErrorKind::Suite,
            message: format!(
                "no reply within {wait} (max_wait): all {refused} callbacks failed `receive.verify`; check its `secret`, `header`, `prefix` and `over` in channels.toml"
            ),
        };
    }
    StepError {
        kind: ErrorKind::NoReply,
        message: format!("no callback within {wait} (max_wait); {unmatched} callbacks did not match `reply`"),
    }
}

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No signature where the channel says it is: 401.
    Missing(String),
    /// A signature that does not match: 403.
    Bad(String),
}

impl Rejection {
    pub fn status(&self) -> u16 {
        match self {
            Rejection::Missing(_) => 401,
            Rejection::Bad(_) => 403,
        }
    }
    pub fn reason(&self) -> &str {
        match self {
            Rejection::Missing(r) | Rejection::Bad(r) => r,
        }
    }
}

/// One channel's verification with its secret rendered.
#[derive(Clone)]
pub struct Verifier {
    spec: Verify,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("over", &self.spec.over).finish_non_exhaustive()
    }
}

impl Verifier {
    pub fn new(spec: &Verify, secret: String) -> Verifier {
        Verifier { spec: spec.clone(), secret: secret.into_bytes() }
    }

    /// Checks one callback. `url` is the URL the provider was given (with
    /// the query string it called, if any); `headers` have lower-case names.
    pub fn check(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
        parsed: Option<&Parsed>,
    ) -> Result<(), Rejection> {
        match self.spec.over {
            Over::Body => {
                let sig = self.signature_in(headers)?;
                self.compare(&[body], &sig)
            }
            Over::UrlParams => {
                let sig = self.signature_in(headers)?;
                let mut params: Vec<&(String, String)> = parsed.map(|p| p.params.iter().collect()).unwrap_or_default();
                params.sort();
                let mut data: Vec<&[u8]> = vec![url.as_bytes()];
                for (k, v) in params {
                    data.push(k.as_bytes());
                    data.push(v.as_bytes());
                }
                self.compare(&data, &sig)
            }
            Over::TimestampToken => {
                let object = parsed.map(|p| &p.object);
                // Form posts carry the three fields at the top; JSON webhooks in a `signature` object.
                let nested = object.and_then(|o| o.get("signature")).and_then(Value::as_object);
                let field = |name: &str| {
                    nested.or(object).and_then(|o| o.get(name)).and_then(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                };
                let (Some(ts), Some(token), Some(sig)) = (field("timestamp"), field("token"), field("signature"))
                else {
                    return Err(Rejection::Missing("no `timestamp`, `token` and `signature` fields to verify".into()));
                };
                self.compare(&[ts.as_bytes(), token.as_bytes()], &sig)
            }
        }
    }

    fn signature_in(&self, headers: &[(String, String)]) -> Result<String, Rejection> {
        let name = self.spec.header.as_deref().unwrap_or_default();
        let value = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty());
        value.ok_or_else(|| Rejection::Missing(format!("no `{name}` header")))
    }

    fn compare(&self, data: &[&[u8]], signature: &str) -> Result<(), Rejection> {
        let sig = match self.spec.prefix.as_deref() {
            Some(p) => signature
                .strip_prefix(p)
                .ok_or_else(|| Rejection::Bad(format!("the signature does not start with `{p}`")))?,
            None => signature,
        };
        let candidates = decode(sig.trim(), self.spec.encoding);
        if candidates.is_empty() {
            return Err(Rejection::Bad("the signature is neither hex nor base64".into()));
        }
        let ok = candidates.iter().any(|bytes| match self.spec.hmac {
            Hmac::Sha256 => verify::<sha2::Sha256>(&self.secret, data, bytes),
            Hmac::Sha1 => verify::<sha1::Sha1>(&self.secret, data, bytes),
        });
        if ok {
            Ok(())
        } else {
            Err(Rejection::Bad("the signature does not match".into()))
        }
    }
}

/// The signature's bytes under each encoding it may be written in.
fn decode(sig: &str, encoding: Option<Encoding>) -> Vec<Vec<u8>> {
    let hex = || hex::decode(sig).ok();
    let b64 = || {
        base64::engine::general_purpose::STANDARD
            .decode(sig)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(sig))
            .ok()
    };
    match encoding {
        Some(Encoding::Hex) => hex().into_iter().collect(),
        Some(Encoding::Base64) => b64().into_iter().collect(),
        None => hex().into_iter().chain(b64()).collect(),
    }
}

fn verify<D>(key: &[u8], data: &[&[u8]], expected: &[u8]) -> bool
where
    D: sha2::Digest + hmac::digest::core_api::BlockSizeUser,
{
    let Ok(mut mac) = <hmac::SimpleHmac<D> as hmac::digest::KeyInit>::new_from_slice(key) else { return false };
    for part in data {
        mac.update(part);
    }
    // Constant time: `verify_slice` compares with `subtle`.
    mac.verify_slice(expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::filters::hmac_bytes;

    fn spec(over: Over, hmac: Hmac, header: Option<&str>, prefix: Option<&str>) -> Verify {
        Verify {
            over,
            hmac,
            secret: "{{ env.X }}".into(),
            header: header.map(str::to_string),
            prefix: prefix.map(str::to_string),
            encoding: None,
        }
    }

    #[test]
    fn body_signatures_in_hex_with_a_prefix_or_in_base64() {
        let v =
            Verifier::new(&spec(Over::Body, Hmac::Sha256, Some("X-Hub-Signature-256"), Some("sha256=")), "k".into());
        let body = br#"{"text":"hi"}"#;
        let mac = hmac_bytes::<sha2::Sha256>(b"k", body);
        let good = vec![("x-hub-signature-256".to_string(), format!("sha256={}", hex::encode(&mac)))];
        assert_eq!(v.check("", &good, body, None), Ok(()));
        assert_eq!(v.check("", &good, br#"{"text":"HI"}"#, None).unwrap_err().status(), 403, "a changed body");
        assert_eq!(v.check("", &[], body, None).unwrap_err().status(), 401, "no signature");
        let no_prefix = vec![("x-hub-signature-256".to_string(), hex::encode(&mac))];
        assert_eq!(v.check("", &no_prefix, body, None).unwrap_err().status(), 403);
        let b64 = Verifier::new(&spec(Over::Body, Hmac::Sha256, Some("X-Sig"), None), "k".into());
        let h = vec![("x-sig".to_string(), base64::engine::general_purpose::STANDARD.encode(&mac))];
        assert_eq!(b64.check("", &h, body, None), Ok(()));
        let junk = vec![("x-sig".to_string(), "%%%".to_string())];
        assert!(b64.check("", &junk, body, None).unwrap_err().reason().contains("neither hex nor base64"));
    }

    #[test]
    fn twilio_url_and_sorted_params() {
        // Twilio's documented example.
        let v = Verifier::new(&spec(Over::UrlParams, Hmac::Sha1, Some("X-Twilio-Signature"), None), "12345".into());
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let parsed = Parsed { params, ..Parsed::default() };
        let h = vec![("x-twilio-signature".to_string(), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=".to_string())];
        assert_eq!(v.check(url, &h, b"", Some(&parsed)), Ok(()));
        assert_eq!(v.check("https://other.example/", &h, b"", Some(&parsed)).unwrap_err().status(), 403);
    }

    #[test]
    fn mailgun_timestamp_and_token_flat_or_nested() {
        let v = Verifier::new(&spec(Over::TimestampToken, Hmac::Sha256, None, None), "key-1".into());
        let sig = hex::encode(hmac_bytes::<sha2::Sha256>(b"key-1", b"1700000000abc123"));
        let flat: serde_json::Map<String, Value> =
            serde_json::from_value(serde_json::json!({"timestamp": "1700000000", "token": "abc123", "signature": sig}))
                .unwrap();
        let parsed = Parsed { object: flat.clone(), ..Parsed::default() };
        assert_eq!(v.check("", &[], b"", Some(&parsed)), Ok(()));
        let nested = Parsed {
            object: serde_json::from_value(serde_json::json!({"signature": flat})).unwrap(),
            ..Parsed::default()
        };
        assert_eq!(v.check("", &[], b"", Some(&nested)), Ok(()));
        let mut forged = flat;
        forged.insert("token".into(), "zzz".into());
        assert_eq!(
            v.check("", &[], b"", Some(&Parsed { object: forged, ..Parsed::default() })).unwrap_err().status(),
            403
        );
        assert_eq!(v.check("", &[], b"", None).unwrap_err().status(), 401);
    }
}
