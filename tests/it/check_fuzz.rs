//! Suite loading must never panic, whatever the files hold: random bytes,
//! truncations and splices of the real example suite.

use crate::common;

use proptest::prelude::*;
use std::path::Path;

const FILES: &[&str] = &["map.toml", "channels.toml", "personas.toml", "sweeps.toml", "scenarios/support-handoff.toml"];

fn original(name: &str) -> String {
    std::fs::read_to_string(common::example_suite().join(name)).unwrap()
}

fn load_with(name: &str, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    for f in FILES {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, if *f == name { text.to_string() } else { original(f) }).unwrap();
    }
    let loaded = touchpoint::suite::load(dir.path());
    // Rendering must not panic either (spans must be inside the files).
    let _ = loaded.diagnostics.render_plain(&loaded.sources);
    let _ = Path::new("");
}

/// A mutation of a real file: cut it, splice junk in, or duplicate a slice.
fn mutated() -> impl Strategy<Value = (usize, String)> {
    (0..FILES.len(), any::<u16>(), any::<u16>(), "[\\[\\]{}=\"'#\\n a-z0-9.,$@{}%-]{0,12}", 0..3u8).prop_map(
        |(f, a, b, junk, op)| {
            let text = original(FILES[f]);
            let chars: Vec<char> = text.chars().collect();
            let n = chars.len().max(1);
            let (i, j) = ((a as usize) % n, (b as usize) % n);
            let (lo, hi) = (i.min(j), i.max(j));
            let out: String = match op {
                0 => chars[..lo].iter().collect(),
                1 => chars[..lo]
                    .iter()
                    .chain(junk.chars().collect::<Vec<_>>().iter())
                    .chain(chars[lo..].iter())
                    .collect(),
                _ => chars[..hi].iter().chain(chars[lo..].iter()).collect(),
            };
            (f, out)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_suites_never_panic((f, text) in mutated()) {
        load_with(FILES[f], &text);
    }

    #[test]
    fn arbitrary_text_never_panics(f in 0..FILES.len(), text in any::<String>()) {
        load_with(FILES[f], &text);
    }
}
