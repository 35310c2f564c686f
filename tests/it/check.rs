//! `touchpoint check`: the example suite passes; broken suites give located,
//! rustc-style errors — all of them in one pass — and exit code 2.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_touchpoint"))
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme")
}

/// A copy of the example suite in a temp dir, to break on purpose.
pub(crate) fn copy_suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

/// Runs `check`, returns (exit code, stderr with the temp path masked).
pub(crate) fn check(dir: &Path) -> (i32, String) {
    let out = bin().arg("check").arg(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "<suite>");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn the_example_suite_is_valid() {
    let out = bin().arg("check").arg(example()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ok"), "{stdout}");
    assert!(stdout.contains("4 scenarios"), "{stdout}");
}

#[test]
fn a_typo_in_a_key_is_located_with_a_suggestion() {
    let dir = copy_suite();
    edit(dir.path(), "scenarios/renewal.toml", "channel = \"chat\"", "chanel = \"chat\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown key `chanel`"), "{err}");
    assert!(err.contains("did you mean `channel`?"), "{err}");
    assert!(err.contains("<suite>/scenarios/renewal.toml:6:30"), "{err}");
    assert!(!err.contains("missing field"), "the typo explains the missing key: {err}");
}

#[test]
fn an_unknown_fact_is_located() {
    let dir = copy_suite();
    edit(
        dir.path(),
        "map.toml",
        "expects = [\"refund_window\", \"returns_page\"]",
        "expects = [\"refund_windw\", \"returns_page\"]",
    );
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown fact `refund_windw`"), "{err}");
    assert!(err.contains("did you mean `refund_window`?"), "{err}");
    assert!(err.contains("<suite>/map.toml:"), "{err}");
}

#[test]
fn a_bad_duration_is_located() {
    let dir = copy_suite();
    edit(dir.path(), "map.toml", "chat = \"2s\"", "chat = \"2 parsecs\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`2 parsecs` is not a duration"), "{err}");
}

#[test]
fn a_question_service_level_is_checked_like_the_channels() {
    let dir = copy_suite();
    edit(
        dir.path(),
        "map.toml",
        "expects = [\"refund_window\", \"returns_page\"]",
        "expects = [\"refund_window\", \"returns_page\"]\nsla = { chatt = \"5s\", email = \"soon\" }",
    );
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("service level for unknown channel `chatt`"), "{err}");
    assert!(err.contains("did you mean `chat`?"), "{err}");
    assert!(err.contains("`soon` is not a duration"), "{err}");
    assert!(err.contains("<suite>/map.toml:"), "{err}");
}

#[test]
fn a_fact_value_that_does_not_fit_its_kind_is_an_error() {
    let dir = copy_suite();
    edit(dir.path(), "map.toml", "value = \"30 days\"", "value = \"thirty dayz\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fact `refund_window` is not a valid duration"), "{err}");
}

#[test]
fn a_template_syntax_error_is_located() {
    let dir = copy_suite();
    edit(dir.path(), "scenarios/support-handoff.toml", "About {{ case_ref }}", "About {{ case_ref }");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("template does not compile"), "{err}");
    assert!(err.contains("support-handoff.toml:"), "{err}");
}

#[test]
fn invalid_toml_is_located() {
    let dir = copy_suite();
    edit(dir.path(), "personas.toml", "name = \"Jane Doe\"", "name = \"Jane Doe");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("<suite>/personas.toml:"), "{err}");
}

#[test]
fn a_value_used_before_it_is_captured_is_an_error() {
    let dir = copy_suite();
    edit(
        dir.path(),
        "scenarios/support-handoff.toml",
        "say = \"Hi, my broadband",
        "say = \"{{ case_ref }} my broadband",
    );
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`case_ref` is used before it is captured"), "{err}");
}

/// Several mistakes in several files: every one is reported in one pass,
/// rendered rustc-style. Compared with a golden file.
#[test]
fn all_errors_at_once_match_the_golden_file() {
    let dir = copy_suite();
    edit(dir.path(), "scenarios/renewal.toml", "channel = \"chat\"", "chanel = \"chat\"");
    edit(
        dir.path(),
        "map.toml",
        "expects = [\"refund_window\", \"returns_page\"]",
        "expects = [\"refund_windw\", \"returns_page\"]",
    );
    edit(dir.path(), "map.toml", "email = \"1s\"", "email = \"soon\"");
    edit(dir.path(), "channels.toml", "timeout = \"5s\"\nrate_limit", "timout = \"5s\"\nrate_limit");
    edit(dir.path(), "scenarios/purchase.toml", "channel = \"web\"", "channel = \"webb\"");
    edit(dir.path(), "personas.toml", "patience = \"low\"", "patience = \"low\"\nmood = \"grumpy\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/check_errors.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &err).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert_eq!(err, expected, "diagnostics changed; rerun with UPDATE_GOLDEN=1 if intended");
}

/// Issue 14 item 14: a 200 KB source line was printed whole under its
/// diagnostic. Long lines are cut to a window around the caret (line and
/// column still those of the file), a long caret to its start.
#[test]
fn long_lines_are_cut_to_a_window_around_the_caret_golden() {
    let dir = copy_suite();
    let pad = "lorem ipsum ".repeat(20_000);
    // An unknown key deep inside a 240 KB line, and one at its start.
    edit(
        dir.path(),
        "scenarios/purchase.toml",
        "channel = \"web\",   ask",
        &format!("channel = \"web\", say = \"{pad}\", mood = \"angry\", ask"),
    );
    // A value that is not money, 240 KB long: the caret is cut.
    let map = std::fs::read_to_string(dir.path().join("map.toml")).unwrap();
    std::fs::write(dir.path().join("map.toml"), format!("{map}\n[facts.blurb]\nkind = \"money\"\nvalue = \"{pad}\"\n"))
        .unwrap();
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{}", &err[..err.len().min(2000)]);
    assert!(err.len() < 4000, "the long lines are not printed whole ({} bytes)", err.len());
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/check_long_lines.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &err).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert_eq!(err, expected, "diagnostics changed; rerun with UPDATE_GOLDEN=1 if intended");
}

#[test]
fn a_missing_folder_says_what_to_pass() {
    let out = bin().args(["check", "/nonexistent/suite"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a suite folder"), "{err}");
    assert!(err.contains("help:"), "{err}");
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let out = bin().args(["run", "--concurrency", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = bin().args(["frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_unknown_filter_is_located_with_a_suggestion() {
    let dir = copy_suite();
    edit(dir.path(), "channels.toml", "{{ persona.email | urlencode }}", "{{ persona.email | urlencdoe }}");
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error: unknown filter `urlencdoe`"), "{stderr}");
    assert!(stderr.contains("did you mean `urlencode`?"), "{stderr}");
    // The carets sit under the filter's name, not the whole value.
    let line = stderr.lines().find(|l| l.contains("channels.toml:")).unwrap();
    let col: usize = line.rsplit(':').next().unwrap().trim().parse().unwrap();
    let text = std::fs::read_to_string(dir.path().join("channels.toml")).unwrap();
    let src_line = text.lines().find(|l| l.contains("urlencdoe")).unwrap();
    assert_eq!(&src_line[col - 1..col - 1 + "urlencdoe".len()], "urlencdoe", "{stderr}");
}

#[test]
fn an_unknown_function_and_a_persona_field_typo_are_errors() {
    let dir = copy_suite();
    edit(dir.path(), "channels.toml", "\"{{ persona.name }}\"", "\"{{ persona.nmae }} {{ uid() }}\"");
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("template reads `persona.nmae`, which does not exist"), "{stderr}");
    assert!(stderr.contains("did you mean `name`?"), "{stderr}");
    assert!(stderr.contains("unknown function `uid`"), "{stderr}");
    assert!(stderr.contains("did you mean `uuid`?"), "{stderr}");
}

/// Regression: `uuid()` was reported as "template reads `uuid`, which nothing
/// defines" although it is a documented function (found by the polled-chat recipe).
#[test]
fn template_functions_are_not_unknown_names() {
    let dir = copy_suite();
    edit(
        dir.path(),
        "channels.toml",
        "\"{{ persona.name }}\"",
        "\"{{ persona.name }} {{ uuid() }} {{ now() }} {{ random_digits(6) }}\"",
    );
    let (code, stderr) = check(dir.path());
    assert!(!stderr.contains("nothing defines"), "{stderr}");
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn question_and_step_are_not_template_names() {
    let dir = copy_suite();
    edit(dir.path(), "channels.toml", "json = { text = \"{{ message }}\" }", "json = { text = \"{{ question }}\" }");
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("template reads `question`, which nothing defines"), "{stderr}");
}

#[test]
fn an_unset_env_variable_is_a_warning_not_an_error() {
    let dir = copy_suite();
    edit(
        dir.path(),
        "channels.toml",
        "headers = { Authorization = \"Bearer {{ token }}\" }\njson",
        "headers = { Authorization = \"Bearer {{ token }}\" }\nauth = { basic = { user = \"bot\", password = \"{{ env.TP_CHECK_SURELY_UNSET }}\" } }\njson",
    );
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning: environment variable `TP_CHECK_SURELY_UNSET` is not set"), "{stderr}");
}

/// Issue 13 item 9: `max_wait = "400000000000y"` passed `check`, and the walk
/// then panicked on `Instant + max_wait`; 40 attempts overflowed the backoff.
/// Absurd values are located errors now, every one in one pass.
#[test]
fn absurd_values_pass_check_and_then_panic() {
    let dir = copy_suite();
    edit(dir.path(), "channels.toml", "max_wait = \"10s\"", "max_wait = \"400000000000y\"");
    edit(dir.path(), "channels.toml", "attempts = 3", "attempts = 40");
    edit(dir.path(), "channels.toml", "timeout = \"5s\"", "timeout = \"30days\"");
    edit(dir.path(), "channels.toml", "rate_limit = \"200/s\"", "rate_limit = \"4000000000/s\"");
    let out = bin().arg("check").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for expected in [
        "`400000000000y` is longer than this setting allows",
        "40 attempts is more than a polite client makes",
        "`30days` is longer than this setting allows",
        "channels.toml:",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(text.contains("4000000000/s"), "{text}");
}

#[test]
fn stream_mode_keys_are_checked_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/recipes/sse-assistant"), dir.path());
    edit(dir.path(), "channels.toml", "events = [\"message.delta\"]", "evnts = [\"message.delta\"]\nreply = \"$.x\"");
    edit(dir.path(), "channels.toml", "end = \"message.done\"", "end = \"\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown key `evnts`") && err.contains("did you mean `events`?"), "{err}");
    assert!(err.contains("a streamed reply is made of events, not picked by `reply`"), "{err}");
    assert!(err.contains("an empty `end` would never match"), "{err}");
    assert!(err.contains("<suite>/channels.toml:"), "{err}");
    // `end` means nothing to a poll.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/recipes/sse-assistant"), dir.path());
    edit(dir.path(), "channels.toml", "mode = \"stream\"", "mode = \"poll\"\nreply = \"$.x\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`end` is only read when the reply is an event stream"), "{err}");
}

/// Issue 11: a locale touchpoint holds no defaults for, on a persona, a
/// channel or the map, and an option that means nothing for its fact's
/// kind, are located errors saying what to write instead — never a silent
/// fallback that reads "29.99" in the wrong currency or ignores `not`.
#[test]
fn unknown_locales_and_options_meaningless_for_the_kind_are_located_errors_golden() {
    let dir = copy_suite();
    edit(
        dir.path(),
        "personas.toml",
        "segment = \"prospect\"\nlocale = \"en-GB\"",
        "segment = \"prospect\"\nlocale = \"en-GBR\"",
    );
    edit(
        dir.path(),
        "channels.toml",
        "label = \"Live chat\"   # how the report names it (default: the key)",
        "label = \"Live chat\"\nlocale = \"english\"",
    );
    edit(dir.path(), "map.toml", "currency = \"GBP\"", "currency = \"GPB\"");
    edit(
        dir.path(),
        "map.toml",
        "kind = \"percent\"\nvalue = \"10%\"",
        "kind = \"percent\"\nvalue = \"10%\"\nnot = [\"15%\"]",
    );
    edit(
        dir.path(),
        "map.toml",
        "keywords = [\"exit fee\", \"leave\", \"leaving\"]",
        "keywords = [\"exit fee\", \"leave\", \"leaving\"]\nqualifier = \"per month\"",
    );
    edit(
        dir.path(),
        "map.toml",
        "label = \"Contract length\"\nkind = \"duration\"\nvalue = \"12 months\"",
        "label = \"Contract length\"\nkind = \"duration\"\nvalue = \"12 months\"\nqualifier = \"per day\"",
    );
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    for expected in [
        "unknown locale `en-GBR` for persona `new-customer`",
        "did you mean `en-GB`?",
        "unknown locale `english` for channel `chat`",
        "supported locales: en-GB, en-US",
        "unknown currency `GPB`",
        "did you mean `GBP`?",
        "`not` means nothing for fact `loyalty_discount` of kind percent",
        "`qualifier` means nothing for fact `free_to_leave` of kind yesno",
        "the qualifier `per day` of fact `contract_length` does not fit its value",
    ] {
        assert!(err.contains(expected), "{expected:?} in:\n{err}");
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/check_options.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &err).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert_eq!(err, expected, "diagnostics changed; rerun with UPDATE_GOLDEN=1 if intended");
}

/// `settle` (keep polling until a bot's messages stop coming) is bounded by
/// `max_wait` and means something only when polling: either mistake is a
/// located error.
#[test]
fn settle_is_bounded_by_max_wait_and_only_for_polling() {
    let dir = copy_suite();
    edit(dir.path(), "channels.toml", "max_wait = \"10s\"", "max_wait = \"10s\"\nsettle = \"12s\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`settle` (12s) must be shorter than `max_wait` (10s)"), "{err}");
    assert!(err.contains("channels.toml:"), "{err}");
    let dir = copy_suite();
    edit(dir.path(), "channels.toml", "max_wait = \"10s\"", "max_wait = \"10s\"\nsettle = \"1s\"");
    let (code, err) = check(dir.path());
    assert_eq!(code, 0, "a poll channel may settle: {err}");
}
