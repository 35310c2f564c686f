//! Personas: unique ids, patience and fields.

use super::*;

impl Checker<'_> {
    pub(super) fn personas(&mut self, file: FileId, personas: &[Persona]) {
        let mut ids = BTreeSet::new();
        if personas.is_empty() {
            self.diags.push(
                Diagnostic::error("the suite has no personas", Place::Span(file, 0..0))
                    .hint("add a `[[personas]]` table with id, name and email"),
            );
        }
        for (i, p) in personas.iter().enumerate() {
            if !ids.insert(p.id.as_str()) {
                self.err(
                    file,
                    path!["personas", i, "id"],
                    format!("persona `{}` is defined twice", p.id),
                    "duplicate id",
                    None,
                );
            }
            if !p.email.contains('@') {
                self.err(
                    file,
                    path!["personas", i, "email"],
                    format!("`{}` is not an email address", p.email),
                    "no `@`",
                    Some("personas need an address the email channel can reply to".into()),
                );
            }
            if let Some(tag) = &p.locale {
                self.locale_tag(file, path!["personas", i, "locale"], tag, &format!("persona `{}`", p.id));
            }
            self.duration(file, path!["personas", i, "think", "min"], &p.think.min, limits::MAX_THINK);
            self.duration(file, path!["personas", i, "think", "max"], &p.think.max, limits::MAX_THINK);
        }
    }
}
