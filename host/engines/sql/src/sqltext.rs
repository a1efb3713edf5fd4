//! A small SQL lexer: splits a script into statements and finds `?` placeholders, skipping
//! string literals, quoted identifiers, comments and PostgreSQL dollar-quoted strings.

/// One statement of an endpoint's SQL script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text, without the trailing `;`.
    pub text: String,
    /// Byte offsets of its `?` placeholders in `text`.
    pub placeholders: Vec<usize>,
}

impl Statement {
    /// Whether the statement returns rows (`SELECT`, `WITH`, `VALUES`, `SHOW`, `EXPLAIN`, or a
    /// `RETURNING` clause is not detected: such statements count as updates).
    pub fn is_query(&self) -> bool {
        let word: String = first_word(&self.text).to_ascii_uppercase();
        matches!(
            word.as_str(),
            "SELECT" | "WITH" | "VALUES" | "SHOW" | "EXPLAIN" | "PRAGMA" | "TABLE" | "DESCRIBE"
        )
    }

    /// The text with each `?` replaced by `replace(n)` for the n-th placeholder (from 1).
    pub fn with_placeholders(&self, mut replace: impl FnMut(usize) -> String) -> String {
        let mut out = String::with_capacity(self.text.len() + 4 * self.placeholders.len());
        let mut last = 0;
        for (i, &at) in self.placeholders.iter().enumerate() {
            out.push_str(&self.text[last..at]);
            out.push_str(&replace(i + 1));
            last = at + 1;
        }
        out.push_str(&self.text[last..]);
        out
    }
}

/// Splits `sql` on `;` into non-empty statements.
pub fn split(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut placeholders = Vec::new();
    let mut i = 0;
    let mut finish = |start: usize, end: usize, placeholders: &mut Vec<usize>| {
        let raw = &sql[start..end];
        let trimmed_start = raw.len() - raw.trim_start().len();
        let text = raw.trim();
        if !only_comments(text) {
            let offsets = placeholders
                .iter()
                .map(|p| p - start - trimmed_start)
                .collect();
            statements.push(Statement {
                text: text.to_owned(),
                placeholders: offsets,
            });
        }
        placeholders.clear();
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i),
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_line(bytes, i),
            b'#' => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block(bytes, i),
            b'$' => i = skip_dollar(sql, i),
            b'?' => {
                placeholders.push(i);
                i += 1;
            }
            b';' => {
                finish(start, i, &mut placeholders);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    finish(start, bytes.len(), &mut placeholders);
    statements
}

fn skip_quoted(bytes: &[u8], open: usize) -> usize {
    let quote = bytes[open];
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && quote == b'\'' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn skip_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| from + p + 1)
}

fn skip_block(bytes: &[u8], from: usize) -> usize {
    bytes[from + 2..]
        .windows(2)
        .position(|w| w == b"*/")
        .map_or(bytes.len(), |p| from + 2 + p + 2)
}

/// `$tag$ ... $tag$` (PostgreSQL); a `$` that does not open such a string is skipped alone.
fn skip_dollar(sql: &str, from: usize) -> usize {
    let rest = &sql[from + 1..];
    let Some(end) = rest.find('$') else {
        return from + 1;
    };
    let tag = &rest[..end];
    if !tag.chars().all(|c| c.is_alphanumeric() || c == '_')
        || tag.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        return from + 1;
    }
    let delimiter = format!("${tag}$");
    let body = from + delimiter.len();
    sql[body..]
        .find(&delimiter)
        .map_or(sql.len(), |p| body + p + delimiter.len())
}

fn first_word(text: &str) -> String {
    let mut rest = text.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r
                .split_once('\n')
                .map_or("", |(_, after)| after)
                .trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r
                .split_once("*/")
                .map_or("", |(_, after)| after)
                .trim_start();
        } else if let Some(r) = rest.strip_prefix('(') {
            rest = r.trim_start();
        } else {
            break;
        }
    }
    rest.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect()
}

fn only_comments(text: &str) -> bool {
    strip_comments(text).trim().is_empty()
}

fn strip_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let next = match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => skip_block(bytes, i),
            _ => {
                out.push(bytes[i] as char);
                i + 1
            }
        };
        i = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_in_literals_and_comments_are_not_parameters() {
        let s = split(
            "SELECT '?', \"a?\", x FROM t -- why?\nWHERE a = ? /* ? */ AND b = 'it''s ?' AND c = ?",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].placeholders.len(), 2);
        assert_eq!(
            s[0].with_placeholders(|n| format!("${n}"))
                .matches('$')
                .count(),
            2
        );
        assert!(
            s[0].with_placeholders(|n| format!("${n}"))
                .ends_with("AND c = $2")
        );
    }

    #[test]
    fn scripts_split_on_semicolons_outside_strings() {
        let s = split(
            "INSERT INTO t VALUES ('a;b');\n-- comment only;\nSELECT * FROM t WHERE x > ?;\n",
        );
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(!s[0].is_query());
        assert!(s[1].is_query());
        // A comment before a statement stays with it; its ';' does not split.
        assert!(s[1].text.ends_with("SELECT * FROM t WHERE x > ?"));
        assert_eq!(s[1].placeholders, vec![s[1].text.len() - 1]);
    }

    #[test]
    fn dollar_quotes_and_with_queries() {
        let s = split("SELECT $x$ ; ? $x$, $1 FROM t; (WITH a AS (SELECT 1) SELECT * FROM a)");
        assert_eq!(s.len(), 2);
        assert!(s[0].placeholders.is_empty());
        assert!(s[1].is_query());
    }
}
