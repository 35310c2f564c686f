//! Values captured during a walk or a conversation (`{{ case_ref }}`,
//! `{{ conversation }}`, the poll `{{ cursor }}`), as templates read them.
//!
//! A few names at most, so a small list searched in order rather than a
//! `serde_json::Map`: its B-tree leaf reserves eleven keys and values
//! (~630 bytes) for the one or two a conversation holds, and 10,000 waiting
//! conversations each hold one. Lookups behave as the map's did: a name
//! set again keeps its last value, in its first place.

use serde_json::Value;

/// Named values; each name at most once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars(Vec<(String, Value)>);

impl Vars {
    pub fn new() -> Self {
        Vars(Vec::new())
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` (replacing its value if it is set). One slot at a time:
    /// an empty `Vec` would reserve four on its first push.
    pub fn insert(&mut self, name: String, value: Value) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => {
                self.0.reserve_exact(1);
                self.0.push((name, value));
            }
        }
    }

    /// The names and values, in the order first set.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(n, v)| (n, v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Vars {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, Value)>, fn(&'a (String, Value)) -> Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(n, v)| (n, v))
    }
}

impl FromIterator<(String, Value)> for Vars {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut vars = Vars::new();
        for (k, v) in iter {
            vars.insert(k, v);
        }
        vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_name_set_again_keeps_the_last_value_in_its_place() {
        let mut v = Vars::new();
        assert!(v.is_empty() && v.get("cursor").is_none());
        v.insert("cursor".into(), json!(""));
        v.insert("conversation".into(), json!("c-1"));
        v.insert("cursor".into(), json!("7"));
        assert_eq!(v.get("cursor"), Some(&json!("7")));
        assert!(v.contains_key("conversation") && !v.contains_key("case"));
        let names: Vec<&str> = v.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["cursor", "conversation"]);
        assert_eq!(v.0.capacity(), 2, "one slot per name, not four");
    }
}
