//! The map: facts read as their kind, questions and journeys well formed,
//! service levels for known channels, fact references.

use super::*;

impl Checker<'_> {
    pub(super) fn map(&mut self, file: FileId, map: &Map, channels: &BTreeMap<String, Channel>) {
        self.map_locale(file, map);
        self.facts(file, map);
        let mut ids = BTreeSet::new();
        for (i, q) in map.questions.iter().enumerate() {
            if !ids.insert(q.id.as_str()) {
                self.err(
                    file,
                    path!["questions", i, "id"],
                    format!("question `{}` is defined twice", q.id),
                    "duplicate id",
                    None,
                );
            }
            if q.asks.is_empty() {
                self.err(
                    file,
                    path!["questions", i, "asks"],
                    format!("question `{}` has no phrasing", q.id),
                    "empty",
                    Some("add at least one way a customer asks it".into()),
                );
            }
            for (j, ask) in q.asks.iter().enumerate() {
                self.template(file, path!["questions", i, "asks", j], ask, &BTreeSet::new());
            }
            for (j, fact_id) in q.expects.iter().enumerate() {
                self.fact_ref(file, path!["questions", i, "expects", j], fact_id, map);
            }
        }
        let mut jids = BTreeSet::new();
        for (i, j) in map.journeys.iter().enumerate() {
            if !jids.insert(j.id.as_str()) {
                self.err(
                    file,
                    path!["journeys", i, "id"],
                    format!("journey `{}` is defined twice", j.id),
                    "duplicate id",
                    None,
                );
            }
            if j.stages.is_empty() {
                self.err(
                    file,
                    path!["journeys", i, "stages"],
                    format!("journey `{}` has no stages", j.id),
                    "empty",
                    Some("list the stages in order, e.g. first-contact, explanation, resolution".into()),
                );
            }
            let mut sids = BTreeSet::new();
            for (k, s) in j.stages.iter().enumerate() {
                if !sids.insert(s.id.as_str()) {
                    self.err(
                        file,
                        path!["journeys", i, "stages", k, "id"],
                        format!("stage `{}` appears twice in journey `{}`", s.id, j.id),
                        "duplicate stage",
                        None,
                    );
                }
            }
        }
        if let Some(line) = &map.test_header {
            if let Err(why) = crate::suite::channel::parse_header(line) {
                self.err(
                    file,
                    path!["test_header"],
                    "`test_header` is not a header".into(),
                    "cannot send this header",
                    Some(why),
                );
            }
        }
        let names: BTreeSet<&str> = channels.keys().map(String::as_str).collect();
        self.hygiene(file, map, &names);
        self.service_levels(file, path!["sla"], &map.sla, channels);
        for (i, q) in map.questions.iter().enumerate() {
            self.service_levels(file, path!["questions", i, "sla"], &q.sla, channels);
        }
        for (i, j) in map.journeys.iter().enumerate() {
            for (k, s) in j.stages.iter().enumerate() {
                self.service_levels(file, path!["journeys", i, "stages", k, "sla"], &s.sla, channels);
            }
        }
    }

    /// A table of service levels by channel (`[sla]`, or a question's or
    /// stage's `sla`): known channels, durations in range.
    pub(super) fn service_levels(
        &mut self,
        file: FileId,
        at: Vec<Seg>,
        table: &BTreeMap<String, Dur>,
        channels: &BTreeMap<String, Channel>,
    ) {
        for (channel, dur) in table {
            let mut here = at.clone();
            here.push(Seg::from(channel.as_str()));
            if !channels.contains_key(channel) {
                let hint = did_you_mean(channel, channels.keys().map(String::as_str));
                self.diags.push(
                    Diagnostic::error(
                        format!("service level for unknown channel `{channel}`"),
                        Place::Path(file, here.clone(), At::Key),
                    )
                    .label("not a channel in channels.toml")
                    .maybe_hint(hint),
                );
            }
            self.duration(file, here, dur, limits::MAX_SLA);
        }
    }

    pub(super) fn fact_ref(&mut self, file: FileId, at: Vec<Seg>, fact_id: &str, map: &Map) {
        if !map.facts.contains_key(fact_id) {
            let hint = did_you_mean(fact_id, map.facts.keys().map(String::as_str))
                .or_else(|| Some("facts are defined in map.toml as [facts.<id>]".into()));
            self.err(file, at, format!("unknown fact `{fact_id}`"), "no such fact in map.toml", hint);
        }
    }
}
