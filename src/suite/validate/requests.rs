//! Requests and extraction: methods, URLs, headers, auth, bodies, and
//! JSONPath/regex/CSS extractors compiled.

use super::*;

impl Checker<'_> {
    pub(super) fn extract(&mut self, file: FileId, at: Vec<Seg>, ex: &Extract) {
        let resolved = match ex.resolve() {
            Ok(r) => r,
            Err(why) => return self.err(file, at, "invalid extraction".into(), "here", Some(why)),
        };
        match resolved {
            Extractor::JsonPath(p) if !template::is_template(&p) => {
                if let Err(e) = serde_json_path::JsonPath::parse(&p) {
                    self.err(
                        file,
                        at,
                        format!("`{p}` is not a valid JSONPath"),
                        "invalid JSONPath",
                        Some(format!("{e}; JSONPath looks like `$.items[0].id` (RFC 9535)")),
                    );
                }
            }
            Extractor::Regex(r) => {
                if let Err(e) = regex::Regex::new(&r) {
                    self.err(
                        file,
                        at,
                        format!("`{r}` is not a valid regex"),
                        "invalid regex",
                        Some(last_line(&e.to_string())),
                    );
                }
            }
            Extractor::Css { selector, .. } if scraper::Selector::parse(&selector).is_err() => {
                self.err(
                    file,
                    at,
                    format!("`{selector}` is not a valid CSS selector"),
                    "invalid selector",
                    Some("e.g. `article.answer` or `main > div#content`".into()),
                );
            }
            _ => {}
        }
    }

    pub(super) fn request(&mut self, file: FileId, at: Vec<Seg>, req: &RequestSpec, names: &BTreeSet<String>) {
        let method = req.method.to_ascii_uppercase();
        if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(&method.as_str()) {
            let mut p = at.clone();
            p.push("method".into());
            self.err(
                file,
                p,
                format!("unknown HTTP method `{}`", req.method),
                "not an HTTP method",
                Some("use GET, POST, PUT, PATCH or DELETE".into()),
            );
        }
        let bodies = [req.json.is_some(), req.form.is_some(), req.body.is_some()].iter().filter(|b| **b).count();
        if bodies > 1 {
            self.err(
                file,
                at.clone(),
                "a request has more than one body".into(),
                "here",
                Some("use one of `json`, `form` or `body`".into()),
            );
        }
        let sub = |k: &str| {
            let mut p = at.clone();
            p.push(k.into());
            p
        };
        self.template(file, sub("url"), &req.url, names);
        for (k, v) in &req.headers {
            let mut p = sub("headers");
            p.push(k.as_str().into());
            self.template(file, p, v, names);
        }
        for (k, v) in &req.query {
            let mut p = sub("query");
            p.push(k.as_str().into());
            self.template(file, p, v, names);
        }
        self.auth(file, sub("auth"), req.auth.as_ref(), names);
        if let Some(b) = &req.body {
            self.template(file, sub("body"), b, names);
        }
        if let Some(form) = &req.form {
            for (k, v) in form {
                let mut p = sub("form");
                p.push(k.as_str().into());
                self.template(file, p, v, names);
            }
        }
        if let Some(json) = &req.json {
            self.json_templates(file, sub("json"), json, names);
        }
        for (k, ex) in &req.capture {
            let mut p = sub("capture");
            p.push(k.as_str().into());
            self.extract(file, p, ex);
        }
    }

    pub(super) fn auth(
        &mut self,
        file: FileId,
        at: Vec<Seg>,
        auth: Option<&crate::suite::channel::Auth>,
        names: &BTreeSet<String>,
    ) {
        use crate::suite::channel::Auth;
        let sub = |k: &[&str]| {
            let mut p = at.clone();
            p.extend(k.iter().map(|s| Seg::from(*s)));
            p
        };
        match auth {
            Some(Auth::Basic { user, password }) => {
                self.template(file, sub(&["basic", "user"]), user, names);
                self.template(file, sub(&["basic", "password"]), password, names);
            }
            Some(Auth::Bearer(token)) => self.template(file, sub(&["bearer"]), token, names),
            None => {}
        }
    }
}

/// The regex crate's errors end with the line that says what is wrong.
fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).to_string()
}
