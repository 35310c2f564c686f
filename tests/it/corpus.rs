//! The phrasing corpus (`tests/corpus/*.toml`): realistic answers, each with
//! the judgement a careful reader gives against one fact. Every case must be
//! judged as written; the per-kind figures are printed for BENCHMARKS.md
//! (`cargo test --test it corpus -- --nocapture`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use touchpoint::fact::{self, FactKind, FactSpec, FactValue, Judgement, Locale};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    fact: Vec<Fact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fact {
    value: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    qualifier: Option<String>,
    #[serde(default)]
    not: Vec<String>,
    question: String,
    #[serde(default)]
    locale: Option<String>,
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    answer: String,
    expect: Expect,
    #[serde(default)]
    says: Option<String>,
    #[serde(default)]
    decoy: bool,
    #[serde(default)]
    question: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
enum Expect {
    Correct,
    Wrong,
    NotStated,
}

/// Counts for one kind: a confusion matrix over the three judgements.
#[derive(Default)]
struct Tally {
    cases: usize,
    decoys: usize,
    /// (expected, got) → count.
    pairs: BTreeMap<(u8, u8), usize>,
}

fn index(e: Expect) -> u8 {
    match e {
        Expect::Correct => 0,
        Expect::Wrong => 1,
        Expect::NotStated => 2,
    }
}

impl Tally {
    fn count(&self, expected: Option<u8>, got: Option<u8>) -> usize {
        self.pairs
            .iter()
            .filter(|((e, g), _)| expected.is_none_or(|x| x == *e) && got.is_none_or(|x| x == *g))
            .map(|(_, n)| n)
            .sum()
    }

    /// Precision and recall of one judgement, as percentages.
    fn pr(&self, class: u8) -> (String, String) {
        let hit = self.count(Some(class), Some(class));
        let said = self.count(None, Some(class));
        let real = self.count(Some(class), None);
        let pct = |a: usize, b: usize| {
            if b == 0 {
                "–".to_string()
            } else {
                format!("{:.1}%", 100.0 * a as f64 / b as f64)
            }
        };
        (pct(hit, said), pct(hit, real))
    }
}

#[test]
fn corpus_is_judged_as_written() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let kind_name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let kind: FactKind = kind_name.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = std::fs::read_to_string(&path).expect("readable corpus file");
        let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tally = tallies.entry(kind_name.clone()).or_default();
        for f in &file.fact {
            let locale = f.locale.as_deref().map_or_else(Locale::default, |tag| {
                Locale::from_tag(tag).unwrap_or_else(|| panic!("{}: unknown locale {tag}", path.display()))
            });
            let mut subject: Vec<String> = f.label.iter().cloned().collect();
            subject.extend(f.aliases.iter().cloned());
            let spec = FactSpec {
                keywords: f.keywords.clone(),
                subject,
                not: f.not.clone(),
                qualifier: f.qualifier.clone(),
                ..FactSpec::new(kind)
            };
            let expected = fact::parse_expected(&spec, &f.value, &locale)
                .unwrap_or_else(|e| panic!("{}: map value `{}`: {e}", path.display(), f.value));
            for c in &f.case {
                let question = c.question.as_deref().unwrap_or(&f.question);
                let judgement = fact::judge_asked(&expected, &spec, &c.answer, question, &locale);
                let (got, said): (Expect, Option<FactValue>) = match &judgement {
                    Judgement::Correct { .. } => (Expect::Correct, None),
                    Judgement::Wrong { found, .. } => (Expect::Wrong, Some(found.value.clone())),
                    Judgement::NotStated => (Expect::NotStated, None),
                };
                let mut ok = got == c.expect;
                if ok && got == Expect::Wrong {
                    let wanted =
                        c.says.as_deref().unwrap_or_else(|| panic!("{}: wrong case needs `says`", path.display()));
                    let wanted = fact::parse_expected(&FactSpec { qualifier: None, ..spec.clone() }, wanted, &locale)
                        .unwrap_or_else(|e| panic!("{}: says `{wanted}`: {e}", path.display()));
                    ok = said.as_ref().is_some_and(|s| wanted.agrees(s) && s.agrees(&wanted));
                }
                tally.cases += 1;
                tally.decoys += usize::from(c.decoy);
                let got_index = if ok { index(c.expect) } else { index(got) };
                *tally.pairs.entry((index(c.expect), got_index)).or_default() += 1;
                if !ok {
                    failures.push(format!(
                        "{kind_name} `{}`\n    answer: {}\n    expected {:?}{}, got {judgement:?}",
                        f.value,
                        c.answer,
                        c.expect,
                        c.says.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
                    ));
                }
            }
        }
    }
    let total: usize = tallies.values().map(|t| t.cases).sum();
    let decoys: usize = tallies.values().map(|t| t.decoys).sum();
    println!("kind      cases  decoys  agree   wrong P/R          not-stated P/R     correct P/R");
    for (kind, t) in &tallies {
        let agree = t.count(Some(0), Some(0)) + t.count(Some(1), Some(1)) + t.count(Some(2), Some(2));
        let (wp, wr) = t.pr(1);
        let (np, nr) = t.pr(2);
        let (cp, cr) = t.pr(0);
        println!(
            "{kind:<9} {:>5}  {:>6}  {:>5}   {wp:>6} / {wr:<6}    {np:>6} / {nr:<6}    {cp:>6} / {cr:<6}",
            t.cases, t.decoys, agree
        );
    }
    println!("total     {total:>5}  {decoys:>6}");
    assert!(failures.is_empty(), "{} of {total} corpus cases misjudged:\n{}", failures.len(), failures.join("\n"));
    // The corpus is the fact readers' specification: it may grow, never shrink.
    assert!(total >= 900, "the corpus holds {total} cases; it must keep at least 900 (raise this floor as it grows)");
    assert_eq!(tallies.len(), 10, "one corpus file per fact kind");
    for (kind, t) in &tallies {
        assert!(t.cases >= 60, "{kind}: {} cases; every kind needs at least 60", t.cases);
    }
    assert!(4 * decoys >= total, "{decoys} of {total} cases are decoys; at least a quarter must be");
}
