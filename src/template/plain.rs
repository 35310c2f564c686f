//! Templates that only put values into text: literal text and
//! `{{ name }}` / `{{ name.field.field }}` expressions, nothing else
//! (`"{{ message }}"`, `"Bearer {{ env.TOKEN }}"`, `"Hi, I'm {{
//! persona.first_name }}"`). Most request templates are like this, and
//! rendering them through minijinja costs a context object, a VM and its
//! state per render; here the text is copied and each name looked up.
//!
//! The result is exactly minijinja's or nothing: anything this does not
//! read the same way (a filter, a block, a comment, whitespace control,
//! a trailing newline minijinja would drop, a literal such as `none`, a
//! value that is not a string, a name the context lacks) returns `None`
//! and the caller renders with minijinja as before.

/// Names minijinja reads as literals or special variables, never as a
/// context lookup.
const RESERVED: &[&str] = &["true", "True", "false", "False", "none", "None", "loop", "self"];

/// Renders `source`, each expression's dotted name (`persona.email`)
/// given to `put`, which appends its string value to the output and says
/// whether it did (false: not a plain string, render with minijinja).
/// `None` when the template is not plain. One pass over the bytes: this
/// runs for most templates of every request.
pub fn render(source: &str, mut put: impl FnMut(&str, &mut String) -> bool) -> Option<String> {
    if source.ends_with('\n') || source.ends_with('\r') {
        return None;
    }
    let b = source.as_bytes();
    let mut out = String::with_capacity(source.len() + 32);
    let (mut i, mut text) = (0, 0);
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'{', b'{') => {
                out.push_str(&source[text..i]);
                let start = i + 2;
                // The expression ends at the first `}`, which must be `}}`;
                // only names, dots and blanks may come before it.
                let close = start + b[start..].iter().position(|&c| c == b'}')?;
                if b.get(close + 1) != Some(&b'}') {
                    return None;
                }
                let name = source[start..close].trim_matches([' ', '\t']);
                if !dotted_name(name) || !put(name, &mut out) {
                    return None;
                }
                i = close + 2;
                text = i;
            }
            // A block, a comment, or an end marker in the text.
            (b'{', b'%' | b'#') | (b'%' | b'#' | b'}', b'}') => return None,
            _ => i += 1,
        }
    }
    out.push_str(&source[text..]);
    Some(out)
}

/// `name` or `name.field…`, each part an ASCII identifier and none of them
/// reserved (a space, `-`, a filter, an index: not plain).
fn dotted_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let b = part.as_bytes();
            b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                && !(b.len() <= 5 && RESERVED.contains(&part))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    /// Every template here renders the same as minijinja would (with the
    /// engine's environment), or is left to minijinja.
    #[test]
    fn plain_templates_render_as_minijinja_does() {
        let env = crate::template::environment();
        let ctx = context! {
            message => "Hi {{ not a template }} & <b>", persona => context! { email => "a@x.org", n => 3 },
            empty => "", num => 7, nothing => (), env => context! { K => "s3cret" },
        };
        let find = |name: &str, out: &mut String| {
            let mut v = ctx.clone();
            for part in name.split('.') {
                v = v.get_attr(part).unwrap();
            }
            v.as_str().map(|s| out.push_str(s)).is_some()
        };
        let plain = [
            "{{ message }}",
            "{{message}}",
            "{{  persona.email\t}}",
            "x {{ message }} y {{ persona.email }}z",
            "Bearer {{ env.K }}",
            "{{ empty }}",
            "no template at all",
            "a } b { c",
            "ends with a space ",
        ];
        for source in plain {
            let expected = env.render_str(source, &ctx).unwrap();
            assert_eq!(render(source, find).as_deref(), Some(expected.as_str()), "{source}");
        }
        let not_plain = [
            "{{ num }}",
            "{{ nothing }}",
            "{{ persona.n }}",
            "{{ missing }}",
            "{{ persona.missing }}",
            "{{ message | upper }}",
            "{{ message ~ 'x' }}",
            "{{- message }}",
            "{{ message -}}",
            "{{ persona['email'] }}",
            "{{ none }}",
            "{{ true }}",
            "{{ loop }}",
            "{{ 1x }}",
            "{{ message }}\n",
            "{{ message }}\r",
            "{% if message %}x{% endif %}",
            "{# c #}{{ message }}",
            "{{ message }} }}",
            "{{ message",
            "{{ }}",
            "{{ a..b }}",
            "{{ persona. }}",
        ];
        for source in not_plain {
            assert_eq!(render(source, find), None, "{source}");
        }
    }
}
