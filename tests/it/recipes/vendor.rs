//! What the vendor-shaped test servers share besides serving
//! (`super::serve`): where the recipes are, the company's answers, signing
//! and delivering callbacks the way providers do, and the log of what each
//! delivery was answered.

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use touchpoint::template::filters::hmac_bytes;

/// A recipe suite shipped in `scenarios/recipes/<name>`.
pub fn recipe(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/recipes").join(name)
}

/// The company's (correct) answers to the recipes' questions.
pub fn answer(question: &str) -> &'static str {
    let q = question.to_lowercase();
    if q.contains("return") || q.contains("refund") {
        "You can return your router within 30 days of delivery for a full refund."
    } else if q.contains("per month") || q.contains("price") || q.contains("cost") {
        "Broadband costs £29.99 per month, with no setup fee."
    } else {
        "Thanks for your message, an agent will be in touch."
    }
}

/// Twilio's request signature: base64(HMAC-SHA1(token, url + each param's name and value, by name)).
pub fn twilio_signature(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    base64::engine::general_purpose::STANDARD.encode(hmac_bytes::<sha1::Sha1>(token.as_bytes(), data.as_bytes()))
}

/// hex(HMAC-SHA256(key, data)): Mailgun's and most body signatures.
pub fn hmac_sha256_hex(key: &str, data: &[u8]) -> String {
    hex::encode(hmac_bytes::<sha2::Sha256>(key.as_bytes(), data))
}

/// What the provider's deliveries were answered, by label ("forged" → 403).
#[derive(Clone, Default)]
pub struct Deliveries(Arc<Mutex<Vec<(String, u16)>>>);

impl Deliveries {
    pub fn push(&self, label: &str, status: u16) {
        self.0.lock().unwrap().push((label.to_string(), status));
    }
    /// The statuses of every delivery with this label.
    pub fn statuses(&self, label: &str) -> Vec<u16> {
        self.0.lock().unwrap().iter().filter(|(l, _)| l == label).map(|(_, s)| *s).collect()
    }
}

/// Posts one callback and logs how it was answered (0: no answer).
pub async fn deliver(log: &Deliveries, label: &str, request: reqwest::RequestBuilder) {
    let status = match request.send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    };
    log.push(label, status);
}

/// A `multipart/form-data` body as mail providers post it: text fields, then
/// file parts (name, file name, type, bytes). Returns (content type, body).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "xYzZY";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (name, filename, kind, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {kind}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
