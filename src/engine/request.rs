//! The HTTP client's request for one hop of a prepared request, built
//! directly as a `reqwest::Request` (reqwest's `RequestBuilder` moves itself
//! through every call and clones the client): the run's marks parsed once
//! per channel, the channel's headers and marks only inside its origin, the
//! body shared as `Bytes`, never copied.
//!
//! A header that does not parse is left to reqwest's builder, so the
//! attempt fails with the same error as ever ("the request could not be
//! built").

use super::prepare::{Body, Prepared};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Url};

/// `pairs` parsed into a header map, once per channel; `None` when one of
/// them does not parse (each request then goes through reqwest's builder,
/// which reports it).
pub fn header_map(pairs: &[(String, String)]) -> Option<HeaderMap> {
    let mut map = HeaderMap::with_capacity(pairs.len());
    for (k, v) in pairs {
        map.append(HeaderName::try_from(k).ok()?, HeaderValue::try_from(v).ok()?);
    }
    Some(map)
}

/// What one hop sends.
pub struct Hop<'a> {
    pub method: &'a Method,
    pub url: &'a Url,
    /// The prepared body goes with this hop.
    pub with_body: bool,
    /// Inside the channel's origin: its headers and the marks go too.
    pub inside: bool,
}

/// The request of `hop`: inside the origin the marks (`marks`, parsed by
/// [`header_map`]; `mark_pairs` as given) then the prepared headers; with
/// a JSON body, `Content-Type: application/json` unless a header names
/// its own (as reqwest's `json()` does).
pub fn build(
    client: &reqwest::Client,
    marks: Option<&HeaderMap>,
    mark_pairs: &[(String, String)],
    req: &Prepared,
    hop: Hop<'_>,
) -> reqwest::Result<reqwest::Request> {
    let mut request = reqwest::Request::new(hop.method.clone(), hop.url.clone());
    if hop.inside {
        let headers = request.headers_mut();
        match marks {
            Some(marks) if marks.is_empty() => {}
            Some(marks) => headers.clone_from(marks),
            None => return via_builder(client, hop, mark_pairs, req),
        }
        headers.reserve(req.headers.len() + 1);
        for (k, v) in &req.headers {
            match (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                (Ok(k), Ok(v)) => {
                    headers.append(k, v);
                }
                _ => return via_builder(client, hop, mark_pairs, req),
            }
        }
    }
    if hop.with_body {
        match &req.body {
            Some(Body::Json(v)) => {
                request.headers_mut().entry(CONTENT_TYPE).or_insert(HeaderValue::from_static("application/json"));
                *request.body_mut() = Some(v.clone().into());
            }
            Some(Body::Raw(v)) => *request.body_mut() = Some(v.clone().into()),
            Some(Body::Form(f)) => {
                return reqwest::RequestBuilder::from_parts(client.clone(), request).form(f).build();
            }
            None => {}
        }
    }
    Ok(request)
}

/// The same request through reqwest's builder: for headers that do not
/// parse, so the error is reqwest's own.
fn via_builder(
    client: &reqwest::Client,
    hop: Hop<'_>,
    mark_pairs: &[(String, String)],
    req: &Prepared,
) -> reqwest::Result<reqwest::Request> {
    let mut builder = client.request(hop.method.clone(), hop.url.clone());
    for (k, v) in mark_pairs.iter().chain(&req.headers) {
        builder = builder.header(k, v);
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::prepare::{Boundary, Shown};

    fn prepared(headers: &[(&str, &str)], body: Option<Body>) -> Prepared {
        let url = Url::parse("http://127.0.0.1:9/chat").unwrap();
        Prepared {
            method: Method::POST,
            url: url.clone(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body,
            shown: Shown::default(),
            boundary: Boundary::new(url, &[]),
        }
    }

    /// Built directly or through reqwest's builder (the code this replaced),
    /// the request is the same: method, URL, headers in order, body bytes.
    #[test]
    fn direct_requests_equal_the_builders() {
        let client = reqwest::Client::new();
        let marks = vec![("X-Test-Traffic".to_string(), "touchpoint".to_string())];
        let json = || Some(Body::Json(bytes::Bytes::from_static(b"{\"a\":1}")));
        let cases = [
            prepared(&[], json()),
            prepared(&[("Accept", "application/json"), ("X-Multi", "1"), ("x-multi", "2")], json()),
            prepared(&[("content-type", "application/vnd+json")], json()),
            prepared(&[("Authorization", "Bearer t")], Some(Body::Raw(bytes::Bytes::from_static(b"raw")))),
            prepared(&[], Some(Body::Form(vec![("a".into(), "b c".into()), ("d".into(), "&".into())]))),
            prepared(&[], None),
        ];
        for req in &cases {
            for (inside, with_body) in [(true, true), (false, true), (true, false)] {
                let hop = Hop { method: &req.method, url: &req.url, with_body, inside };
                let direct = build(&client, header_map(&marks).as_ref(), &marks, req, hop).unwrap();
                let mut b = client.request(req.method.clone(), req.url.clone());
                if inside {
                    for (k, v) in marks.iter().chain(&req.headers) {
                        b = b.header(k, v);
                    }
                }
                if with_body {
                    b = match &req.body {
                        Some(Body::Json(v)) => {
                            if !(inside && req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"))) {
                                b = b.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                            }
                            b.body(v.clone())
                        }
                        Some(Body::Form(f)) => b.form(f),
                        Some(Body::Raw(s)) => b.body(s.clone()),
                        None => b,
                    };
                }
                let built = b.build().unwrap();
                let parts = |r: &reqwest::Request| {
                    let headers: Vec<(String, Vec<u8>)> =
                        r.headers().iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
                    let body = r.body().and_then(|b| b.as_bytes()).map(<[u8]>::to_vec);
                    (r.method().clone(), r.url().clone(), headers, body)
                };
                assert_eq!(parts(&direct), parts(&built), "{:?} inside {inside} body {with_body}", req.headers);
            }
        }
    }

    #[test]
    fn a_header_that_does_not_parse_is_reqwests_builder_error() {
        let client = reqwest::Client::new();
        let req = prepared(&[("Bad Name", "v")], None);
        let hop = Hop { method: &req.method, url: &req.url, with_body: false, inside: true };
        let e = build(&client, Some(&HeaderMap::new()), &[], &req, hop).unwrap_err();
        assert!(e.is_builder(), "{e:?}");
        assert!(header_map(&[("x".into(), "bad\nvalue".into())]).is_none());
    }
}
