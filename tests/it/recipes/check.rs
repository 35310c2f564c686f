//! Every recipe is a suite `touchpoint check` accepts as shipped, and a
//! mistake in how callbacks are read or verified is a located error.

use super::vendor;
use std::path::Path;

/// A recipe copied into a temp dir, with `from` replaced by `to` in its channels.toml.
fn broken(recipe: &str, from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["map.toml", "channels.toml", "personas.toml", "sweeps.toml"] {
        let text = std::fs::read_to_string(vendor::recipe(recipe).join(f)).unwrap();
        let text = if f == "channels.toml" {
            assert!(text.contains(from), "{recipe}/channels.toml has no {from:?}");
            text.replacen(from, to, 1)
        } else {
            text
        };
        std::fs::write(dir.path().join(f), text).unwrap();
    }
    dir
}

/// The text of the line the first error points at (`channels.toml:<line>:<col>`).
fn located(dir: &Path, stderr: &str) -> String {
    let at = stderr
        .lines()
        .skip_while(|l| !l.starts_with("error:"))
        .find(|l| l.contains("channels.toml:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let line: usize = at.rsplit("channels.toml:").next().unwrap().split(':').next().unwrap().parse().unwrap();
    let text = std::fs::read_to_string(dir.join("channels.toml")).unwrap();
    text.lines().nth(line - 1).unwrap().to_string()
}

#[test]
fn every_recipe_passes_check() {
    let folder = vendor::recipe("");
    let mut recipes: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
    recipes.sort();
    assert!(recipes.len() >= 11, "{recipes:?}");
    for recipe in recipes {
        let (code, stderr) = crate::check::check(&recipe);
        assert_eq!(code, 0, "{}: {stderr}", recipe.display());
    }
}

#[test]
fn a_secret_written_into_the_suite_is_a_located_error() {
    let dir = broken("form-email", r#"secret = "{{ env.MAIL_SIGNING_KEY }}""#, r#"secret = "mg-signing-4e7d""#);
    let (code, stderr) = crate::check::check(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error: a webhook secret written into channels.toml"), "{stderr}");
    assert!(stderr.contains("{{ env.WEBHOOK_SECRET }}"), "says what to write instead: {stderr}");
    assert!(located(dir.path(), &stderr).starts_with("secret = "), "{stderr}");
}

#[test]
fn a_body_signature_without_its_header_is_a_located_error() {
    let dir = broken("webhook-chat", "header = \"X-Twilio-Signature\"\n", "");
    let (code, stderr) = crate::check::check(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no `header` is named"), "{stderr}");
    assert!(stderr.contains("X-Twilio-Signature"), "the hint names the header: {stderr}");
    assert!(located(dir.path(), &stderr).starts_with("over = "), "{stderr}");
}

#[test]
fn an_unknown_scheme_and_a_header_block_without_webhooks_are_errors() {
    let dir = broken("form-email", r#"over = "timestamp+token""#, r#"over = "timestamp-token""#);
    let (code, stderr) = crate::check::check(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("timestamp+token"), "the known schemes are listed: {stderr}");
    let dir = broken("inbound-parse-email", "mode = \"webhook\"", "mode = \"poll\"");
    let (code, stderr) = crate::check::check(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`header_block` reads webhook callbacks"), "{stderr}");
}
