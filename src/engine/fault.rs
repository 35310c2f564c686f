//! What a transport fault means and whose it is: a `reqwest` error sorted
//! into an [`ErrorKind`], worded for a user, with whether the request may
//! have reached the target (which decides whether it is sent again).

use crate::record::ErrorKind;

/// A transport error sorted by what happened and whose fault it is.
pub(super) struct Sorted {
    pub kind: ErrorKind,
    pub message: String,
    /// The innermost cause, as the library said it.
    pub root: String,
    /// False when the request provably never reached the target.
    pub reached: bool,
}

/// Sorts a transport error into a typed one, worded for a user.
pub(super) fn classify(e: &reqwest::Error) -> Sorted {
    use std::error::Error;
    let mut root = e.to_string();
    let mut chain = format!("{e:?}");
    let mut hyper_error = None;
    let mut source = e.source();
    while let Some(s) = source {
        root = s.to_string();
        chain.push_str(&format!(" {s:?}"));
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            hyper_error.get_or_insert((h.is_parse(), h.is_parse_too_large(), h.is_incomplete_message()));
        }
        source = s.source();
    }
    let sorted = |kind, message: String, reached| Sorted { kind, message, root: root.clone(), reached };
    if e.is_builder() {
        return sorted(
            ErrorKind::Request,
            format!("the request could not be built ({root}); check the channel's `url` and `headers`"),
            false,
        );
    }
    if e.is_connect() {
        let tls = chain.contains("InvalidContentType")
            || chain.contains("CorruptMessage")
            || chain.contains("corrupt message");
        if tls {
            return sorted(ErrorKind::Tls, format!("TLS handshake failed: the server does not speak TLS on this port; try http:// instead of https:// ({root})"), false);
        }
        if chain.contains("rustls")
            || chain.contains("certificate")
            || chain.contains("Certificate")
            || root.contains("tls")
        {
            return sorted(
                ErrorKind::Tls,
                format!("TLS handshake failed ({root}); check the target's certificate and the URL's host"),
                false,
            );
        }
        if e.is_timeout() {
            return sorted(
                ErrorKind::Connect,
                format!("could not connect in time ({root}); is the target running and `base_url` right?"),
                false,
            );
        }
        return sorted(
            ErrorKind::Connect,
            format!("could not connect ({root}); is the target running and `base_url` right?"),
            false,
        );
    }
    if e.is_timeout() {
        return sorted(
            ErrorKind::Timeout,
            format!("no answer within the channel's timeout ({root}); raise `timeout` if the target is just slow"),
            true,
        );
    }
    match hyper_error {
        Some((_, true, _)) => {
            return sorted(
                ErrorKind::Malformed,
                format!("the target's response is not valid HTTP: its headers are too large ({root})"),
                true,
            )
        }
        Some((true, _, _)) => {
            return sorted(ErrorKind::Malformed, format!("the target's response is not valid HTTP ({root})"), true)
        }
        Some((_, _, true)) => {
            return sorted(
                ErrorKind::Body,
                format!("the target closed the connection before its response was complete ({root})"),
                true,
            )
        }
        _ => {}
    }
    if e.is_body() || e.is_decode() {
        return sorted(ErrorKind::Body, format!("the connection broke while reading the response ({root})"), true);
    }
    sorted(ErrorKind::Connect, format!("the request failed ({root}); the target may have received it"), true)
}
