//! A callback's body read into one JSON object, whatever its shape: JSON,
//! `application/x-www-form-urlencoded` or `multipart/form-data` (file parts
//! as their name, type and size, never their content), plus the HTTP headers
//! under `_headers` and, when the channel names one, a field holding an
//! RFC 5322 header block read as headers.

use bytes::Bytes;
use serde_json::{Map, Value};

/// A callback body read into fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub object: Map<String, Value>,
    /// The form parameters as posted, in order (a `url+params` signature
    /// covers them all, repeats included); empty for JSON.
    pub params: Vec<(String, String)>,
    /// Multipart: the body as it is recorded, each file part's content
    /// replaced by its size (attachments are never recorded).
    pub recorded: Option<String>,
}

/// Reads a body by its content type. Err says why it cannot be read.
pub async fn parse(content_type: &str, body: &Bytes) -> Result<Parsed, String> {
    let ct = content_type.to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        let params: Vec<(String, String)> =
            form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let object = params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        return Ok(Parsed { object, params, recorded: None });
    }
    if ct.starts_with("multipart/form-data") {
        return multipart(content_type, body.clone()).await;
    }
    let text = std::str::from_utf8(body).map_err(|_| "a callback body that is not UTF-8".to_string())?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(Parsed { object, ..Parsed::default() }),
        Ok(other) => {
            let mut object = Map::new();
            object.insert("body".into(), other);
            Ok(Parsed { object, ..Parsed::default() })
        }
        Err(e) => Err(format!(
            "a callback that is neither JSON, a form nor multipart ({}): {e}",
            if content_type.is_empty() { "no content type" } else { content_type }
        )),
    }
}

/// `multipart/form-data`: text fields as strings, file parts as
/// `{ "filename", "content_type", "size" }` (their bytes are counted and dropped).
async fn multipart(content_type: &str, body: Bytes) -> Result<Parsed, String> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| format!("a multipart callback {e}"))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary.clone());
    let mut out = Parsed::default();
    let mut recorded = String::new();
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(format!("a multipart callback that cannot be read: {e}")),
        };
        let name = field.name().unwrap_or_default().to_string();
        recorded.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name={name:?}"));
        if let Some(filename) = field.file_name().map(str::to_string) {
            let kind = field.content_type().map(|m| m.to_string()).unwrap_or_default();
            let mut size = 0u64;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => size += chunk.len() as u64,
                    Ok(None) => break,
                    Err(e) => return Err(format!("a multipart callback that cannot be read: {e}")),
                }
            }
            recorded.push_str(&format!(
                "; filename={filename:?}\r\nContent-Type: {kind}\r\n\r\n[{size} bytes, not recorded]\r\n"
            ));
            let file = serde_json::json!({ "filename": filename, "content_type": kind, "size": size });
            out.object.insert(name, file);
        } else {
            let text = field.text().await.map_err(|e| format!("a multipart callback that cannot be read: {e}"))?;
            recorded.push_str(&format!("\r\n\r\n{text}\r\n"));
            out.object.insert(name.clone(), Value::String(text.clone()));
            out.params.push((name, text));
        }
    }
    recorded.push_str(&format!("--{boundary}--\r\n"));
    out.recorded = Some(recorded);
    Ok(out)
}

/// The one object `reply`, `text`, `capture` and `dedupe` read: the fields,
/// the field named by `header_block` read as headers, and the HTTP headers
/// under `_headers` (lower-case names).
pub fn normalise(mut parsed: Parsed, headers: &[(String, String)], header_block: Option<&str>) -> Value {
    if let Some(field) = header_block {
        if let Some(Value::String(block)) = parsed.object.get(field) {
            let read = read_header_block(block);
            parsed.object.insert(field.to_string(), Value::Object(read));
        }
    }
    let headers: Map<String, Value> = headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    parsed.object.insert("_headers".into(), Value::Object(headers));
    Value::Object(parsed.object)
}

/// An RFC 5322 header block (`In-Reply-To: <…>\r\nSubject: =?UTF-8?Q?…?=`)
/// as an object: lower-case names, folded lines joined, encoded words
/// decoded; a name that repeats keeps its first value. What does not parse
/// as a header ends the block, as it would in a message.
pub fn read_header_block(block: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let bytes = block.trim_start().as_bytes();
    // A block without the blank line that ends headers still reads whole.
    let mut owned;
    let input = if bytes.ends_with(b"\n\n") || bytes.ends_with(b"\r\n\r\n") {
        bytes
    } else {
        owned = bytes.to_vec();
        owned.extend_from_slice(b"\r\n\r\n");
        &owned[..]
    };
    if let Ok((headers, _)) = mailparse::parse_headers(input) {
        for h in headers {
            let name = h.get_key().trim().to_ascii_lowercase();
            if name.is_empty() || out.contains_key(&name) {
                continue;
            }
            out.insert(name, Value::String(h.get_value().trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(ct: &str, body: &str) -> Result<Parsed, String> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(parse(ct, &Bytes::from(body.to_string())))
    }

    #[test]
    fn form_and_json_callbacks_read_alike() {
        let headers = vec![("x-event-id".to_string(), "e1".to_string())];
        let form = normalise(
            read("application/x-www-form-urlencoded", "sender=a%40b.c&body-plain=Hi+there").unwrap(),
            &headers,
            None,
        );
        assert_eq!(form["body-plain"], "Hi there");
        assert_eq!(form["sender"], "a@b.c");
        assert_eq!(form["_headers"]["x-event-id"], "e1");
        let json = normalise(read("application/json", r#"{"text": "Hi"}"#).unwrap(), &headers, None);
        assert_eq!(json["text"], "Hi");
        assert_eq!(json["_headers"]["x-event-id"], "e1");
        assert!(read("application/json", "{trunc").unwrap_err().contains("neither JSON"));
    }

    #[test]
    fn multipart_fields_are_read_and_files_only_described() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nRefunds within 30 days.\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"headers\"\r\n\r\nIn-Reply-To: <m1@acme>\r\nSubject: =?UTF-8?Q?R=C3=A9:_refund?=\r\nReferences: <m0@acme>\r\n <m1@acme>\r\n\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"attachment1\"; filename=\"secret.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 private bytes\r\n\
--XyZ--\r\n";
        let parsed = read("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parsed.params.len(), 2, "text fields only");
        let v = normalise(parsed, &[], Some("headers"));
        assert_eq!(v["text"], "Refunds within 30 days.");
        assert_eq!(v["headers"]["in-reply-to"], "<m1@acme>");
        assert_eq!(v["headers"]["subject"], "Ré: refund", "encoded words decoded");
        assert_eq!(v["headers"]["references"], "<m0@acme> <m1@acme>", "folded lines joined");
        assert_eq!(
            v["attachment1"],
            serde_json::json!({"filename": "secret.pdf", "content_type": "application/pdf", "size": 22})
        );
        assert!(!v.to_string().contains("private bytes"), "never the file's content");
        let recorded = read("multipart/form-data; boundary=XyZ", body).unwrap().recorded.unwrap();
        assert!(recorded.contains("Refunds within 30 days.") && recorded.contains("[22 bytes, not recorded]"));
        assert!(!recorded.contains("private bytes"), "{recorded}");
        assert!(read("multipart/form-data", body).unwrap_err().contains("multipart"), "no boundary");
    }

    #[test]
    fn header_blocks_survive_hostile_input() {
        for block in ["", "\n\n", "no colon here", "A: b\n\tfolded\nAuto-Submitted: auto-replied", "\u{0}: \u{ff}"] {
            let _ = read_header_block(block);
        }
        let m = read_header_block("A: b\n\tfolded\nAuto-Submitted: auto-replied\nA: second");
        assert_eq!(m["auto-submitted"], "auto-replied");
        assert_eq!(m["a"], "b folded", "the first value of a repeated name");
    }

    proptest::proptest! {
        /// Hostile bodies and header blocks: read or refused, never a panic.
        #[test]
        fn any_body_is_read_or_refused(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400), kind in 0..3usize) {
            let ct = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b"][kind];
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            if let Ok(p) = rt.block_on(parse(ct, &Bytes::from(body.clone()))) {
                let _ = normalise(p, &[], Some("headers"));
            }
            let _ = read_header_block(&String::from_utf8_lossy(&body));
        }
    }
}
