//! What a template calls: every filter (`| b64encode`), test (`is defined`)
//! and function (`uuid()`) with its byte range, found by a small scanner of
//! the template's expressions. minijinja resolves these names only when it
//! renders, so without this an unknown filter passes `check` and then fails
//! every step at run time. Whether a name exists is asked of the real
//! environment ([`unknown`]), so the list of known names is never copied.

use minijinja::{Environment, ErrorKind};
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Filter,
    Test,
    Function,
}

impl CallKind {
    pub fn noun(self) -> &'static str {
        match self {
            CallKind::Filter => "filter",
            CallKind::Test => "test",
            CallKind::Function => "function",
        }
    }
}

/// One name a template calls, with its byte range in the template source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub kind: CallKind,
    pub name: String,
    pub range: Range<usize>,
}

/// Words that may stand before `(` without being a function call.
const KEYWORDS: &[&str] = &[
    "if",
    "elif",
    "else",
    "in",
    "is",
    "not",
    "and",
    "or",
    "for",
    "set",
    "with",
    "macro",
    "call",
    "filter",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "recursive",
    "loop",
    "super",
    "caller",
    "self",
    "varargs",
    "kwargs",
];

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Ident(&'a str, Range<usize>),
    Punct(u8),
    Str,
}

/// Every filter, test and function call in `source`, in order. Names a
/// template defines itself (`{% macro x %}`, `{% set x %}`) are left out.
pub fn calls(source: &str) -> Vec<Call> {
    let mut out = Vec::new();
    let mut defined: Vec<&str> = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while let Some(open) = source[i..].find('{').map(|p| p + i) {
        let (close, is_tag) = match bytes.get(open + 1) {
            Some(b'{') => ("}}", false),
            Some(b'%') => ("%}", true),
            Some(b'#') => {
                i = source[open..].find("#}").map_or(source.len(), |p| open + p + 2);
                continue;
            }
            _ => {
                i = open + 1;
                continue;
            }
        };
        let start = open + 2;
        let toks = tokens(source, start, close);
        let end = toks.1;
        scan(&toks.0, is_tag, &mut out, &mut defined);
        i = end;
    }
    out.retain(|c| c.kind != CallKind::Function || !defined.contains(&c.name.as_str()));
    out
}

/// Tokens from `start` up to the closing delimiter (outside strings); returns them and the index after it.
fn tokens<'a>(source: &'a str, start: usize, close: &str) -> (Vec<Tok<'a>>, usize) {
    let bytes = source.as_bytes();
    let mut toks = Vec::new();
    let mut i = start;
    while i < bytes.len() {
        if source[i..].starts_with(close) {
            return (toks, i + close.len());
        }
        let b = bytes[i];
        if b == b'\'' || b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            toks.push(Tok::Str);
        } else if b.is_ascii_alphabetic() || b == b'_' {
            let s = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Ident(&source[s..i], s..i));
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.' || bytes[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Str);
        } else {
            if !b.is_ascii_whitespace() {
                toks.push(Tok::Punct(b));
            }
            i += 1;
        }
    }
    (toks, bytes.len())
}

fn scan<'a>(toks: &[Tok<'a>], is_tag: bool, out: &mut Vec<Call>, defined: &mut Vec<&'a str>) {
    let push = |out: &mut Vec<Call>, kind, name: &str, range: &Range<usize>| {
        out.push(Call { kind, name: name.to_string(), range: range.clone() })
    };
    for (k, tok) in toks.iter().enumerate() {
        let Tok::Ident(name, range) = tok else { continue };
        let prev = k.checked_sub(1).map(|p| &toks[p]);
        let next = toks.get(k + 1);
        if is_tag && k == 0 {
            continue; // the tag itself: if, for, set, filter, macro…
        }
        if is_tag && k == 1 {
            match toks.first() {
                Some(Tok::Ident("macro" | "set" | "for", _)) => {
                    defined.push(name);
                    continue;
                }
                Some(Tok::Ident("filter", _)) => {
                    push(out, CallKind::Filter, name, range);
                    continue;
                }
                _ => {}
            }
        }
        match prev {
            Some(Tok::Punct(b'|')) => push(out, CallKind::Filter, name, range),
            Some(Tok::Ident("is", _)) if *name != "not" => push(out, CallKind::Test, name, range),
            Some(Tok::Ident("not", _)) if k >= 2 && matches!(toks[k - 2], Tok::Ident("is", _)) => {
                push(out, CallKind::Test, name, range)
            }
            Some(Tok::Punct(b'.')) => {}
            _ if next == Some(&Tok::Punct(b'(')) && !KEYWORDS.contains(name) => {
                push(out, CallKind::Function, name, range)
            }
            _ => {}
        }
    }
}

/// The calls in `source` that `env` does not know, asked of the environment
/// itself by rendering a one-call probe.
pub fn unknown(env: &Environment<'_>, source: &str) -> Vec<Call> {
    calls(source)
        .into_iter()
        .filter(|call| {
            let (probe, missing) = match call.kind {
                CallKind::Filter => (format!("{{{{ none | {} }}}}", call.name), ErrorKind::UnknownFilter),
                CallKind::Test => (format!("{{{{ none is {} }}}}", call.name), ErrorKind::UnknownTest),
                CallKind::Function => (format!("{{{{ {}() }}}}", call.name), ErrorKind::UnknownFunction),
            };
            matches!(env.render_str(&probe, ()), Err(e) if e.kind() == missing)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<(CallKind, String)> {
        calls(source).into_iter().map(|c| (c.kind, c.name)).collect()
    }

    #[test]
    fn finds_filters_tests_and_functions() {
        let src = "Basic {{ (env.U ~ ':' ~ env.P) | b64encode }} {% if x is not defined %}{{ uuid() }}{% endif %}\
                   {{ 'a|b' | hmac_sha256(env.K) | upper }} {{ range(3) | join(',') }} {{ x.items() }}";
        assert_eq!(
            names(src),
            vec![
                (CallKind::Filter, "b64encode".into()),
                (CallKind::Test, "defined".into()),
                (CallKind::Function, "uuid".into()),
                (CallKind::Filter, "hmac_sha256".into()),
                (CallKind::Filter, "upper".into()),
                (CallKind::Function, "range".into()),
                (CallKind::Filter, "join".into()),
            ]
        );
        let c = &calls("{{ x | b64encdoe }}")[0];
        assert_eq!(&"{{ x | b64encdoe }}"[c.range.clone()], "b64encdoe");
    }

    #[test]
    fn own_macros_and_comments_are_not_calls() {
        assert_eq!(names("{% macro greet(n) %}hi{% endmacro %}{{ greet('a') }}{# x | nope #}"), vec![]);
        assert_eq!(names("{% filter upper %}x{% endfilter %}"), vec![(CallKind::Filter, "upper".into())]);
    }

    #[test]
    fn unknown_asks_the_environment() {
        let env = crate::template::environment();
        let bad: Vec<String> =
            unknown(&env, "{{ x | b64encdoe }}{{ x | b64encode }}{{ uuid() }}{{ uid() }}{{ x is definde }}")
                .into_iter()
                .map(|c| c.name)
                .collect();
        assert_eq!(bad, vec!["b64encdoe", "uid", "definde"]);
    }
}
