//! `junit.xml` for CI: a testsuite per journey (and one for consistency), a
//! testcase per checked answer and per consistency check. A check fails when
//! it has a finding at or above `--fail-on`; the failure carries the
//! findings' summaries and evidence, lower findings go to `system-out`.
//!
//! Answers are hostile input: everything is escaped, characters XML cannot
//! carry at all (NUL, most C0 controls) are replaced, and no CDATA is used,
//! so `]]>` in an answer is just text.

use crate::verdict::{Check, Finding, Verdict};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes the verdict's checks as JUnit XML.
pub fn write_junit(verdict: &Verdict, out: &mut impl Write) -> io::Result<()> {
    let by_id: HashMap<&str, &Finding> = verdict.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut groups: Vec<(&str, Vec<&Check>)> = Vec::new();
    for check in &verdict.checks {
        match groups.iter_mut().find(|(g, _)| *g == check.group) {
            Some((_, list)) => list.push(check),
            None => groups.push((&check.group, vec![check])),
        }
    }
    let failures = verdict.checks.iter().filter(|c| !c.passed).count();
    let seconds = |cs: &[&Check]| cs.iter().filter_map(|c| c.time_ms).fold(0.0, |a, b| a + b) / 1000.0;

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{}" failures="{}" errors="0" time="{:.3}" timestamp="{}">"#,
        attr(&format!("touchpoint: {}", verdict.company)),
        verdict.checks.len(),
        failures,
        verdict.duration_ms / 1000.0,
        verdict.started_at.format("%Y-%m-%dT%H:%M:%S"),
    )?;
    for (group, checks) in &groups {
        let failed = checks.iter().filter(|c| !c.passed).count();
        let skipped = checks.iter().filter(|c| c.folded_into.is_some()).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{skipped}" time="{:.3}">"#,
            attr(group),
            checks.len(),
            failed,
            seconds(checks),
        )?;
        for check in checks {
            write_case(out, check, &by_id, verdict)?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")?;
    Ok(())
}

fn write_case(
    out: &mut impl Write,
    check: &Check,
    by_id: &HashMap<&str, &Finding>,
    verdict: &Verdict,
) -> io::Result<()> {
    let time = check.time_ms.map(|ms| format!(r#" time="{:.3}""#, ms / 1000.0)).unwrap_or_default();
    write!(out, r#"    <testcase name="{}" classname="{}"{time}"#, attr(&check.name), attr(&check.class))?;
    if let Some(into) = &check.folded_into {
        // One failing case per root cause: this one is counted by another finding.
        let message = match by_id.get(into.as_str()) {
            Some(f) => format!("counted once, as finding {into}: {}", f.summary),
            None => format!("counted once, as finding {into}"),
        };
        writeln!(out, ">")?;
        writeln!(out, r#"      <skipped message="{}"/>"#, attr(&message))?;
        writeln!(out, "    </testcase>")?;
        return Ok(());
    }
    let findings: Vec<&Finding> = check.findings.iter().filter_map(|id| by_id.get(id.as_str()).copied()).collect();
    let (failing, notes): (Vec<&Finding>, Vec<&Finding>) =
        findings.into_iter().partition(|f| f.severity >= verdict.fail_on);
    if failing.is_empty() && notes.is_empty() {
        writeln!(out, "/>")?;
        return Ok(());
    }
    writeln!(out, ">")?;
    if let Some(first) = failing.first() {
        let kind = format!("{:?}", first.kind);
        writeln!(
            out,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            attr(&first.summary),
            attr(&kind),
            text(&describe(&failing))
        )?;
    }
    if !notes.is_empty() {
        writeln!(out, "      <system-out>{}</system-out>", text(&describe(&notes)))?;
    }
    writeln!(out, "    </testcase>")?;
    Ok(())
}

/// Each finding's severity, summary, id and evidence excerpts, as plain text.
fn describe(findings: &[&Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let _ = writeln!(s, "[{}] {} (finding {})", f.severity, f.summary, f.id);
        for e in &f.evidence {
            let _ = writeln!(s, "  #{} {} as {}: {}", e.seq, e.channel, e.persona, e.excerpt);
        }
        if f.occurrences as usize > f.evidence.len() {
            let _ = writeln!(s, "  ({} occurrences in all)", f.occurrences);
        }
    }
    s
}

/// Escapes for element content.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Escapes for a double-quoted attribute value (newlines and tabs too, which
/// attribute normalisation would otherwise turn into spaces).
pub fn attr(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// What replaces one byte (or, for U+FFFE and U+FFFF, the three bytes of
/// the character starting there), or None when the byte is copied as it is.
/// Only ASCII and those two characters need anything: every other
/// character of a `str` is an XML 1.0 `Char`.
fn replacement(bytes: &[u8], i: usize, in_attr: bool) -> Option<(&'static str, usize)> {
    let one = |r| Some((r, 1));
    match bytes[i] {
        b'&' => one("&amp;"),
        b'<' => one("&lt;"),
        b'>' => one("&gt;"),
        b'"' => one("&quot;"),
        b'\'' => one("&apos;"),
        b'\n' if in_attr => one("&#10;"),
        b'\r' => one("&#13;"),
        b'\t' if in_attr => one("&#9;"),
        b'\n' | b'\t' => None,
        // Not allowed in XML 1.0 at all, not even as references.
        0..=0x1F => one("\u{FFFD}"),
        0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => Some(("\u{FFFD}", 3)),
        _ => None,
    }
}

/// Bytes [`replacement`] may replace: ASCII controls, the five markup
/// characters, and the lead byte of U+FFFE and U+FFFF. One look-up per
/// byte for the rest, which is nearly all text.
const ATTENTION: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    let marks = [b'&', b'<', b'>', b'"', b'\'', 0xEF];
    let mut i = 0;
    while i < marks.len() {
        table[marks[i] as usize] = true;
        i += 1;
    }
    table
};

/// Copies runs that need nothing as they are; borrows when nothing needs
/// escaping (most check names and classes).
fn escape(s: &str, in_attr: bool) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let mut out = String::new();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if !ATTENTION[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        match replacement(bytes, i, in_attr) {
            None => i += 1,
            Some((with, len)) => {
                if out.capacity() == 0 {
                    out.reserve(s.len() + s.len() / 8);
                }
                // `copied` and `i` are character boundaries: replacements
                // start at ASCII bytes or at a character's lead byte.
                out.push_str(&s[copied..i]);
                out.push_str(with);
                i += len;
                copied = i;
            }
        }
    }
    if copied == 0 && out.capacity() == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_hostile_text() {
        assert_eq!(text("<script>alert('x')</script>"), "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;");
        assert_eq!(text("a]]>b"), "a]]&gt;b");
        assert_eq!(text("nul\u{0}bell\u{7}"), "nul\u{FFFD}bell\u{FFFD}");
        assert_eq!(attr("two\nlines \"q\""), "two&#10;lines &quot;q&quot;");
        assert_eq!(text("\u{FFFE}"), "\u{FFFD}");
        assert_eq!(text("a\u{FFFF}b\u{FFFD}c\u{EFFF}"), "a\u{FFFD}b\u{FFFD}c\u{EFFF}");
        assert_eq!(text("line\r\n\ttab"), "line&#13;\n\ttab");
        assert_eq!(attr("\t"), "&#9;");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(text("Refund policy on chat: 30 days – café"), Cow::Borrowed(_)));
        assert!(matches!(attr("x\ny"), Cow::Owned(_)));
    }

    /// The byte-run escaper against the character-by-character definition.
    fn by_char(s: &str, in_attr: bool) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\n' if in_attr => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                '\t' if in_attr => out.push_str("&#9;"),
                '\n' | '\t' => out.push(c),
                c if matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}') => {
                    out.push(c)
                }
                _ => out.push('\u{FFFD}'),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn escapes_as_the_xml_definition_says(s in "(\\PC|[\\x00-\\x1f&<>\"'\u{FFFE}\u{FFFF}\u{EFBF}])*", in_attr: bool) {
            let escaped = escape(&s, in_attr);
            proptest::prop_assert_eq!(escaped.as_ref(), by_char(&s, in_attr));
        }
    }
}
