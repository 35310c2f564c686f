//! The filters and functions suite templates may use beyond minijinja's
//! built-ins: encodings, digests and HMACs for signed requests and HTTP
//! auth, ids and timestamps for vendor APIs. Each is small, total (bad input
//! is a template error naming the filter, never a panic) and registered in
//! [`register`], the only place the names are defined; [`NAMES`] lists them
//! for "did you mean" in `touchpoint check`.

use base64::Engine as _;
use hmac::{Mac, SimpleHmac};
use minijinja::{Environment, Error, ErrorKind, Value};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::Digest;
use std::sync::{Arc, Mutex};

/// The names registered here, filters then functions.
pub const FILTERS: &[&str] = &["b64encode", "b64decode", "sha256", "hmac_sha256", "hmac_sha1"];
pub const FUNCTIONS: &[&str] = &["uuid", "now", "random_digits"];

/// minijinja's built-in filters (with the `urlencode` feature), for "did you mean".
pub const BUILTIN_FILTERS: &[&str] = &[
    "abs",
    "attr",
    "batch",
    "bool",
    "capitalize",
    "chain",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "lines",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "split",
    "string",
    "sum",
    "title",
    "tojson",
    "trim",
    "unique",
    "upper",
    "urlencode",
    "zip",
];
pub const BUILTIN_FUNCTIONS: &[&str] = &["range", "dict", "namespace"];

fn invalid(what: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, what.into())
}

/// How a digest is written out: `hex` (default) or `base64`.
fn encode(bytes: &[u8], encoding: Option<&str>, filter: &str) -> Result<String, Error> {
    match encoding.unwrap_or("hex") {
        "hex" => Ok(hex::encode(bytes)),
        "base64" => Ok(base64::engine::general_purpose::STANDARD.encode(bytes)),
        other => Err(invalid(format!("`{filter}` writes `hex` or `base64`, not `{other}`"))),
    }
}

fn b64encode(value: String) -> String {
    base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
}

fn b64decode(value: String) -> Result<String, Error> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim().as_bytes())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(value.trim().as_bytes()))
        .map_err(|e| invalid(format!("`b64decode`: the value is not base64 ({e})")))?;
    String::from_utf8(bytes).map_err(|_| invalid("`b64decode`: the decoded bytes are not UTF-8 text"))
}

fn sha256(value: String, encoding: Option<String>) -> Result<String, Error> {
    encode(&sha2::Sha256::digest(value.as_bytes()), encoding.as_deref(), "sha256")
}

fn hmac_sha256(value: String, key: String, encoding: Option<String>) -> Result<String, Error> {
    encode(&hmac_bytes::<sha2::Sha256>(key.as_bytes(), value.as_bytes()), encoding.as_deref(), "hmac_sha256")
}

fn hmac_sha1(value: String, key: String, encoding: Option<String>) -> Result<String, Error> {
    encode(&hmac_bytes::<sha1::Sha1>(key.as_bytes(), value.as_bytes()), encoding.as_deref(), "hmac_sha1")
}

/// HMAC of `message` under `key` with digest `D`; shared with webhook verification.
pub fn hmac_bytes<D>(key: &[u8], message: &[u8]) -> Vec<u8>
where
    D: Digest + hmac::digest::core_api::BlockSizeUser,
{
    // HMAC accepts keys of any length, so this cannot fail.
    match <SimpleHmac<D> as hmac::digest::KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// `now()` RFC 3339 (UTC, milliseconds); `now("epoch")` seconds; `now("epoch_ms")` milliseconds.
fn now(format: Option<String>) -> Result<Value, Error> {
    let t = chrono::Utc::now();
    match format.as_deref().unwrap_or("rfc3339") {
        "rfc3339" => Ok(Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))),
        "epoch" => Ok(Value::from(t.timestamp())),
        "epoch_ms" => Ok(Value::from(t.timestamp_millis())),
        other => Err(invalid(format!("`now` takes `rfc3339`, `epoch` or `epoch_ms`, not `{other}`"))),
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The longest `random_digits(n)`: enough for any OTP or account number.
const MAX_DIGITS: usize = 64;

/// Registers every filter and function. `seed` seeds `random_digits` (the
/// run's seed, so a run's numbers are reproducible); `uuid()` is random on
/// purpose — ids sent to production must not repeat across runs.
pub fn register(env: &mut Environment<'static>, seed: u64) {
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("sha256", sha256);
    env.add_filter("hmac_sha256", hmac_sha256);
    env.add_filter("hmac_sha1", hmac_sha1);
    env.add_function("uuid", uuid);
    env.add_function("now", now);
    let rng = Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed)));
    env.add_function("random_digits", move |n: usize| -> Result<String, Error> {
        if n == 0 || n > MAX_DIGITS {
            return Err(invalid(format!("`random_digits` takes 1 to {MAX_DIGITS} digits, not {n}")));
        }
        let mut rng = rng.lock().map_err(|_| invalid("`random_digits`: generator unavailable"))?;
        Ok((0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect())
    });
}

#[cfg(test)]
mod tests {
    fn render(source: &str) -> Result<String, String> {
        let env = crate::template::environment_seeded(7);
        crate::template::render(&env, source, &minijinja::Value::UNDEFINED)
    }

    #[test]
    fn encodings_round_trip() {
        assert_eq!(render("{{ 'user:pass' | b64encode }}").unwrap(), "dXNlcjpwYXNz");
        assert_eq!(render("{{ 'dXNlcjpwYXNz' | b64decode }}").unwrap(), "user:pass");
        assert!(render("{{ '%%%' | b64decode }}").unwrap_err().contains("not base64"));
        assert_eq!(render("{{ 'a b&c' | urlencode }}").unwrap(), "a%20b%26c");
    }

    #[test]
    fn digests_match_published_vectors() {
        assert_eq!(
            render("{{ 'abc' | sha256 }}").unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            render("{{ 'what do ya want for nothing?' | hmac_sha256('Jefe') }}").unwrap(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 2202 test case 2.
        assert_eq!(
            render("{{ 'what do ya want for nothing?' | hmac_sha1('Jefe') }}").unwrap(),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(render("{{ 'abc' | hmac_sha1('k', 'base64') }}").unwrap().len(), 28);
        assert!(render("{{ 'abc' | sha256('hexx') }}").unwrap_err().contains("`hex` or `base64`"));
    }

    #[test]
    fn ids_and_times() {
        let id = render("{{ uuid() }}").unwrap();
        assert_eq!(id.len(), 36);
        assert_ne!(id, render("{{ uuid() }}").unwrap());
        assert!(chrono::DateTime::parse_from_rfc3339(&render("{{ now() }}").unwrap()).is_ok());
        let secs: i64 = render("{{ now('epoch') }}").unwrap().parse().unwrap();
        let ms: i64 = render("{{ now('epoch_ms') }}").unwrap().parse().unwrap();
        assert!((ms / 1000 - secs).abs() <= 1);
        assert!(render("{{ now('iso') }}").is_err());
    }

    #[test]
    fn random_digits_are_seeded() {
        let a = render("{{ random_digits(6) }}").unwrap();
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a, render("{{ random_digits(6) }}").unwrap(), "same seed, same first draw");
        assert!(render("{{ random_digits(0) }}").is_err());
        assert!(render("{{ random_digits(1000) }}").is_err());
    }
}
