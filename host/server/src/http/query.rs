//! Query strings as ordered `(name, value)` pairs.
//!
//! Besides `a=1&b=2`, the parser accepts the form printed in the original's reference,
//! `?param1=30?param2=12`: a `?` followed by `name=` starts a new parameter.

/// Parses a raw query string (without the leading `?`).
pub fn parse_pairs(raw: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for piece in raw.split('&') {
        for part in split_on_question_marks(piece) {
            if part.is_empty() {
                continue;
            }
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode(name), decode(value)));
        }
    }
    pairs
}

/// Splits `a=1?b=2` into `a=1`, `b=2`, but leaves `a=what?` alone.
fn split_on_question_marks(piece: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in piece.match_indices('?') {
        let rest = &piece[i + 1..];
        let looks_like_param = rest.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%'))
        });
        if looks_like_param {
            parts.push(&piece[start..i]);
            start = i + 1;
        }
    }
    parts.push(&piece[start..]);
    parts
}

fn decode(s: &str) -> String {
    let replaced = s.replace('+', " ");
    let bytes = replaced.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> Vec<(String, String)> {
        parse_pairs(raw)
    }

    #[test]
    fn standard_and_seed_forms() {
        let expected = vec![
            ("param1".to_string(), "30".to_string()),
            ("param2".to_string(), "12".to_string()),
        ];
        assert_eq!(p("param1=30&param2=12"), expected);
        assert_eq!(p("param1=30?param2=12"), expected);
        assert_eq!(
            p("q=what%3F&x=a+b%20c"),
            vec![("q".into(), "what?".into()), ("x".into(), "a b c".into())]
        );
        assert_eq!(p("q=what?"), vec![("q".into(), "what?".into())]);
        assert_eq!(p(""), vec![]);
        assert_eq!(p("flag"), vec![("flag".into(), "".into())]);
        assert_eq!(p("bad=%zz%"), vec![("bad".into(), "%zz%".into())]);
    }
}
