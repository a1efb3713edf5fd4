//! Leases: work that one process of many sharing a state database should do at a time (a
//! scheduler), held by renewing a row before it runs out and taken over by another process
//! once its holder stops renewing (it died) or gives it back (it shut down).

use crate::db::PluginDb;

/// A named lease in `plugin_leases`, tried for by one owner.
#[derive(Clone, Debug)]
pub struct Lease {
    db: PluginDb,
    name: String,
    owner: String,
    ttl_ms: i64,
}

impl Lease {
    /// The lease `name` for `owner` (unique per process), held for `ttl_ms` per renewal.
    pub fn new(db: PluginDb, name: &str, owner: &str, ttl_ms: i64) -> Lease {
        Lease {
            db,
            name: name.to_owned(),
            owner: owner.to_owned(),
            ttl_ms,
        }
    }

    /// Takes or renews the lease at `now_ms`: `true` when this owner holds it until
    /// `now_ms + ttl_ms` (it was free, ran out, or was already ours), `false` when another
    /// owner holds it.
    pub async fn hold(&self, now_ms: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO plugin_leases (name, owner, until_ms) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
             WHERE plugin_leases.owner = excluded.owner OR plugin_leases.until_ms < $4",
        )
        .bind(&self.name)
        .bind(&self.owner)
        .bind(now_ms + self.ttl_ms)
        .bind(now_ms)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the lease back (if this owner holds it), so another owner takes it at once.
    pub async fn release(&self) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM plugin_leases WHERE name = $1 AND owner = $2")
            .bind(&self.name)
            .bind(&self.owner)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exercise(db: PluginDb) {
        db.migrate("test", &[]).await.unwrap();
        let a = Lease::new(db.clone(), "scheduler", "a", 1_000);
        let b = Lease::new(db.clone(), "scheduler", "b", 1_000);
        assert!(a.hold(10_000).await.unwrap(), "free: a takes it");
        assert!(!b.hold(10_500).await.unwrap(), "a holds it");
        assert!(a.hold(10_900).await.unwrap(), "a renews");
        assert!(!b.hold(11_800).await.unwrap(), "renewed until 11,900");
        assert!(
            b.hold(12_000).await.unwrap(),
            "a stopped renewing: b takes over"
        );
        assert!(!a.hold(12_100).await.unwrap());
        b.release().await.unwrap();
        assert!(
            a.hold(12_200).await.unwrap(),
            "given back: a takes it at once"
        );
        // Another name is another lease.
        assert!(
            Lease::new(db, "other", "b", 1_000)
                .hold(12_300)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn one_owner_at_a_time_with_take_over_on_sqlite_and_postgres() {
        let sqlite = crate::test_db::TestDatabase::sqlite();
        exercise(sqlite.connect().await).await;
        let Some(pg) = crate::test_db::TestDatabase::postgres("plugin_lease").await else {
            return;
        };
        exercise(pg.connect().await).await;
        pg.finish().await;
    }
}
