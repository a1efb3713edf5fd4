use super::Store;
use sqlx::Row;

/// What a key may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyScope {
    /// The admin API.
    Admin,
    /// User calls to one service.
    Service(String),
    /// The monitoring and registry APIs of the plugins (read and report), not the admin API.
    Monitoring,
}

/// An API key as stored: only the SHA-256 of the secret is kept.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRow {
    /// Public identifier, safe to show and log.
    pub id: String,
    /// Hex SHA-256 of the key.
    pub key_hash: String,
    /// The first characters of the key, to recognise it in listings.
    pub key_prefix: String,
    /// What the key may do.
    pub scope: KeyScope,
    /// Free text.
    pub label: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Who asked for it.
    pub created_by: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Expiry, ms since the epoch; `None` never expires.
    pub expires_at: Option<i64>,
}

impl Store {
    /// Stores a new key.
    pub async fn insert_key(&self, key: &KeyRow) -> sqlx::Result<()> {
        let (scope, service) = match &key.scope {
            KeyScope::Admin => ("admin", None),
            KeyScope::Monitoring => ("monitoring", None),
            KeyScope::Service(s) => ("service", Some(s.as_str())),
        };
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, key_prefix, scope, service_id, label, description, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&key.id)
        .bind(&key.key_hash)
        .bind(&key.key_prefix)
        .bind(scope)
        .bind(service)
        .bind(&key.label)
        .bind(&key.description)
        .bind(&key.created_by)
        .bind(key.created_at)
        .bind(key.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores a key unless one with the same secret is stored already (the configured admin
    /// key, which replicas starting together all try to install); `Ok(false)` then.
    pub async fn insert_key_unless_present(&self, key: &KeyRow) -> sqlx::Result<bool> {
        // `key_hash` is unique: the database says whether it is there.
        match self.insert_key(key).await {
            Ok(()) => Ok(true),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every key.
    pub async fn list_keys(&self) -> sqlx::Result<Vec<KeyRow>> {
        let rows = sqlx::query(
            "SELECT id, key_hash, key_prefix, scope, service_id, label, description, created_by, created_at, expires_at
             FROM api_keys ORDER BY created_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let scope: String = r.get("scope");
                KeyRow {
                    id: r.get("id"),
                    key_hash: r.get("key_hash"),
                    key_prefix: r.get("key_prefix"),
                    scope: match scope.as_str() {
                        "admin" => KeyScope::Admin,
                        "monitoring" => KeyScope::Monitoring,
                        _ => KeyScope::Service(r.get("service_id")),
                    },
                    label: r.get("label"),
                    description: r.get("description"),
                    created_by: r.get("created_by"),
                    created_at: r.get("created_at"),
                    expires_at: r.get("expires_at"),
                }
            })
            .collect())
    }

    /// Deletes a key by id; `Ok(false)` if there was none.
    pub async fn delete_key(&self, id: &str) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM api_keys WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
