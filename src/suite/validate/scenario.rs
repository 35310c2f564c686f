//! Scenarios and sweeps: references to personas, journeys, stages, channels and
//! questions; captures used only after they are made.

use super::*;

impl Checker<'_> {
    pub(super) fn reference(&mut self, file: FileId, at: Vec<Seg>, what: &str, id: &str, known: &[&str], where_: &str) {
        if !known.contains(&id) {
            let hint = did_you_mean(id, known.iter().copied())
                .or_else(|| Some(format!("known {what}s: {}", known.join(", "))));
            self.err(file, at, format!("unknown {what} `{id}`"), &format!("no such {what} in {where_}"), hint);
        }
    }

    pub(super) fn scenario(&mut self, file: FileId, sc: &Scenario, parts: &Parts<'_>) {
        let map = parts.map.1;
        let persona_ids: Vec<&str> = parts.personas.1.iter().map(|p| p.id.as_str()).collect();
        let channel_ids: Vec<&str> = parts.channels.1.keys().map(String::as_str).collect();
        let question_ids: Vec<&str> = map.questions.iter().map(|q| q.id.as_str()).collect();
        let journey_ids: Vec<&str> = map.journeys.iter().map(|j| j.id.as_str()).collect();
        if sc.persona.is_none() && sc.personas.is_empty() {
            self.diags.push(
                Diagnostic::error(format!("scenario `{}` names no persona", sc.id), Place::Span(file, 0..0))
                    .hint("add `persona = \"<id>\"` or `personas = [...]`"),
            );
        }
        if let Some(p) = &sc.persona {
            self.reference(file, path!["persona"], "persona", p, &persona_ids, "personas.toml");
        }
        for (i, p) in sc.personas.iter().enumerate() {
            self.reference(file, path!["personas", i], "persona", p, &persona_ids, "personas.toml");
        }
        self.reference(file, path!["journey"], "journey", &sc.journey, &journey_ids, "map.toml");
        let stages: Vec<&str> =
            map.journey(&sc.journey).map(|j| j.stages.iter().map(|s| s.id.as_str()).collect()).unwrap_or_default();
        if sc.steps.is_empty() {
            self.err(file, path!["steps"], format!("scenario `{}` has no steps", sc.id), "empty", None);
        }
        let mut captured: BTreeSet<String> = BTreeSet::new();
        let later: BTreeMap<&str, usize> =
            sc.steps.iter().enumerate().flat_map(|(i, s)| s.capture.keys().map(move |k| (k.as_str(), i + 1))).collect();
        for (i, step) in sc.steps.iter().enumerate() {
            if map.journey(&sc.journey).is_some() {
                self.reference(
                    file,
                    path!["steps", i, "stage"],
                    "stage",
                    &step.stage,
                    &stages,
                    &format!("journey `{}`", sc.journey),
                );
            }
            self.reference(file, path!["steps", i, "channel"], "channel", &step.channel, &channel_ids, "channels.toml");
            match (&step.ask, &step.say) {
                (Some(q), None) => {
                    self.reference(file, path!["steps", i, "ask"], "question", q, &question_ids, "map.toml")
                }
                (None, Some(say)) => self.step_template(file, path!["steps", i, "say"], say, &captured, &later),
                (Some(_), Some(_)) => self.err(
                    file,
                    path!["steps", i, "say"],
                    "a step either asks a question or says something, not both".into(),
                    "remove `ask` or `say`",
                    None,
                ),
                (None, None) => self.err(
                    file,
                    path!["steps", i],
                    "a step needs `ask = \"<question>\"` or `say = \"<words>\"`".into(),
                    "nothing to send",
                    None,
                ),
            }
            if let Some(subject) = &step.subject {
                self.step_template(file, path!["steps", i, "subject"], subject, &captured, &later);
            }
            for (j, f) in step.expects.iter().enumerate() {
                self.fact_ref(file, path!["steps", i, "expects", j], f, map);
            }
            if let Some(r) = &step.recognises {
                if !captured.contains(r) {
                    let hint = match later.get(r.as_str()) {
                        Some(n) => Some(format!("`{r}` is captured at step {n}; move this step after it")),
                        None => did_you_mean(r, captured.iter().map(String::as_str))
                            .or_else(|| Some("capture it on an earlier step: capture = { name = \"REGEX\" }".into())),
                    };
                    self.err(
                        file,
                        path!["steps", i, "recognises"],
                        format!("`{r}` is not captured before this step"),
                        "used before capture",
                        hint,
                    );
                }
            }
            for (k, ex) in &step.capture {
                self.extract(file, path!["steps", i, "capture", k.as_str()], ex);
            }
            captured.extend(step.capture.keys().cloned());
        }
    }

    pub(super) fn sweep(&mut self, file: FileId, i: usize, sw: &Sweep, parts: &Parts<'_>) {
        let map = parts.map.1;
        let lists: [(&str, &Vec<String>, Vec<&str>, &str); 3] = [
            ("questions", &sw.questions, map.questions.iter().map(|q| q.id.as_str()).collect(), "map.toml"),
            ("channels", &sw.channels, parts.channels.1.keys().map(String::as_str).collect(), "channels.toml"),
            ("personas", &sw.personas, parts.personas.1.iter().map(|p| p.id.as_str()).collect(), "personas.toml"),
        ];
        for (key, list, known, where_) in lists {
            let what = key.trim_end_matches('s');
            for (j, id) in list.iter().enumerate() {
                if id != "*" {
                    self.reference(file, path!["sweeps", i, key, j], what, id, &known, where_);
                }
            }
        }
        if let Some(j) = &sw.journey {
            let journey_ids: Vec<&str> = map.journeys.iter().map(|j| j.id.as_str()).collect();
            self.reference(file, path!["sweeps", i, "journey"], "journey", j, &journey_ids, "map.toml");
            if let (Some(stage), Some(journey)) = (&sw.stage, map.journey(j)) {
                let stages: Vec<&str> = journey.stages.iter().map(|s| s.id.as_str()).collect();
                self.reference(file, path!["sweeps", i, "stage"], "stage", stage, &stages, &format!("journey `{j}`"));
            }
        }
    }
}
