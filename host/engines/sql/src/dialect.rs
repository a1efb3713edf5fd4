//! How each database quotes identifiers, for SQL that Plinth writes itself (the table lookups'
//! statements); an endpoint's own SQL is run as written.

use crate::connection::Pool;

/// The identifier quoting of a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `"name"`: SQLite and PostgreSQL.
    Standard,
    /// `` `name` ``: MySQL and MariaDB.
    MySql,
}

impl Pool {
    /// The pool's database's dialect.
    pub fn dialect(&self) -> Dialect {
        match self {
            Pool::MySql(_) => Dialect::MySql,
            Pool::Sqlite(_) | Pool::Postgres(_) => Dialect::Standard,
        }
    }
}

impl Dialect {
    /// `name` quoted as one identifier (quote characters inside it doubled).
    pub fn quote(self, name: &str) -> String {
        match self {
            Dialect::Standard => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::MySql => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// A table name, `schema.table` quoted part by part.
    pub fn table(self, name: &str) -> String {
        name.split('.')
            .map(|part| self.quote(part))
            .collect::<Vec<_>>()
            .join(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_for_the_dialect() {
        assert_eq!(Dialect::Standard.quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
        assert_eq!(Dialect::Standard.table("public.t"), "\"public\".\"t\"");
        assert_eq!(Dialect::MySql.table("db.t"), "`db`.`t`");
    }
}
