//! Golden files of the report's view model, with the values that change
//! from run to run masked.

use super::*;

/// Compares `actual` with `tests/golden/<name>`, or rewrites it under UPDATE_GOLDEN=1.
pub(super) fn golden(name: &str, actual: &Value) {
    let path = manifest().join("tests/golden").join(name);
    let text = serde_json::to_string_pretty(actual).expect("the view serialises") + "\n";
    if updating() || !path.exists() {
        std::fs::create_dir_all(path.parent().expect("a golden folder")).expect("tests/golden is writable");
        std::fs::write(&path, &text).expect("the golden file is written");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("the golden file reads");
    if expected != text {
        let diff: Vec<String> = expected
            .lines()
            .zip(text.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(12)
            .map(|(i, (a, b))| format!("line {}:\n  golden: {a}\n  actual: {b}", i + 1))
            .collect();
        panic!(
            "{name} differs from the golden file ({} vs {} lines); rerun with UPDATE_GOLDEN=1 if the change is intended.\n{}",
            expected.lines().count(),
            text.lines().count(),
            diff.join("\n")
        );
    }
}

/// Fields that change from run to run by nature: times, durations, the
/// folder, the version, and anything derived from a measured latency
/// (scores lose a point when a reply is slow for an impatient customer, and
/// a loaded CI machine can turn a feeling from neutral to frustrated).
const VOLATILE: [&str; 19] = [
    "run_id",
    "started",
    "finished",
    "duration",
    "target",
    "tool_version",
    "suite",
    "suite_digest",
    "at",
    "clock",
    "latency",
    "p50",
    "p95",
    "max",
    "http",
    "attempts",
    "slowest",
    "score",
    "feeling",
];

/// Masks volatile values: named fields, and inside every string the demo's
/// port, case references, exchange numbers and measured durations.
fn mask(v: &mut Value, key: Option<&str>) {
    if let Some(k) = key {
        if VOLATILE.contains(&k) && !v.is_null() {
            *v = Value::String("<masked>".into());
            return;
        }
        if k == "seq" {
            *v = Value::from(0);
            return;
        }
        if k == "chart" && !v.is_null() {
            *v = Value::String("<chart>".into());
            return;
        }
    }
    match v {
        Value::String(s) => *s = mask_text(s),
        Value::Array(items) => items.iter_mut().for_each(|x| mask(x, None)),
        Value::Object(map) => map.iter_mut().for_each(|(k, x)| mask(x, Some(k))),
        _ => {}
    }
}

fn mask_text(s: &str) -> String {
    static PATTERNS: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
            (r"CASE-\d+", "CASE-#####"),
            (r"\bx-\d+\b", "x-#"),
            // Conversation and message ids minted by the demo per run.
            (r"\b[a-z]?_?[0-9a-f]{12,}\b", "<id>"),
            // Dates quoted in email replies ("On Wed, 25 Nov 2026 at 17:25").
            (r"\b\w{3}, \d{1,2} \w{3} \d{4} at \d{2}:\d{2}\b", "<date>"),
            (r"\d+(\.\d+)?(–\d+(\.\d+)?)? ?(ms|s|min|h)\b", "<duration>"),
        ]
        .into_iter()
        .map(|(p, r)| (regex::Regex::new(p).expect("a valid pattern"), r))
        .collect()
    });
    patterns.iter().fold(s.to_string(), |acc, (re, with)| re.replace_all(&acc, *with).into_owned())
}

#[test]
fn the_view_of_a_real_run_matches_the_golden_file() {
    let real = real_run();
    let mut view = serde_json::to_value(build_view(&real.verdict, &real.run)).expect("the view serialises");
    mask(&mut view, None);
    golden("report_view.json", &view);
}

#[test]
fn masking_hides_what_changes_between_runs() {
    assert_eq!(mask_text("http://127.0.0.1:41234/chat"), "http://127.0.0.1:PORT/chat");
    assert_eq!(mask_text("About CASE-48213: still down"), "About CASE-#####: still down");
    assert_eq!(
        mask_text("email replied in 1.6 s at worst, over its 1.0 s"),
        "email replied in <duration> at worst, over its <duration>"
    );
    assert_eq!(mask_text("#x-12"), "#x-#");
    assert_eq!(mask_text("30 days"), "30 days");
    assert_eq!(mask_text("conversation c_de464d06279c"), "conversation <id>");
    assert_eq!(mask_text("On Wed, 25 Nov 2026 at 17:25, Sam wrote"), "On <date>, Sam wrote");
}
