//! The registry's tables: models, tags, versions (with the data the SDK attaches to them) and
//! environments. Handlers validate; these functions read and write.

use crate::app::{iso, new_uuid};
use crate::error::ApError;
use plinth_plugin_api::PluginDb;
use serde_json::{Map, Value, json};
use sqlx::Row;
use std::collections::BTreeMap;

/// A registered model.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// One of the seed's colours.
    pub color: String,
    /// One of the seed's icons.
    pub icon: String,
    /// The owner's e-mail.
    pub owner: Option<String>,
    /// `user` (created through the API) or `plinth` (a deployed endpoint).
    pub source: String,
    /// The service of a deployed endpoint.
    pub service_id: Option<String>,
    /// The endpoint of a deployed endpoint.
    pub endpoint_id: Option<String>,
    /// Whether its service was deleted.
    pub retired: bool,
    /// Creation time, ms.
    pub created_at: i64,
}

/// A model version.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    /// UUID.
    pub id: String,
    /// The model.
    pub model_id: String,
    /// Name, unique per model (a deployed endpoint's: the generation).
    pub name: String,
    /// `regression`, `binary`, ...
    pub model_type: String,
    /// `{"features": {...}, "predictions": {...}, ...}`.
    pub schema: Value,
    /// Feature importance, when reported.
    pub feature_importance: Option<Value>,
    /// Feature positions, when reported.
    pub feature_positions: Option<Value>,
    /// The creating request's body (to tell a retried POST from a conflicting one).
    pub request: Option<String>,
    /// Creation time, ms.
    pub created_at: i64,
}

impl Version {
    /// The feature names of its schema, in order.
    pub fn feature_names(&self) -> Vec<String> {
        self.schema
            .get("features")
            .and_then(Value::as_object)
            .map(|f| f.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// As `GET .../versions` lists it (the seed's VersionDetails).
    pub fn to_details(&self) -> Value {
        json!({"id": self.id, "name": self.name, "model_type": self.model_type, "created_at": iso(self.created_at)})
    }

    /// Everything about it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "model_id": self.model_id,
            "model_type": self.model_type, "version_schema": self.schema,
            "feature_importance": self.feature_importance,
            "feature_positions": self.feature_positions,
            "created_at": iso(self.created_at),
        })
    }
}

impl Model {
    /// The model as `GET /v1beta/models/{id}` shows it.
    pub fn to_json(&self, tags: &BTreeMap<String, String>, versions: &[Version]) -> Value {
        json!({
            "id": self.id, "name": self.name, "description": self.description,
            "color": self.color, "icon": self.icon, "owner": self.owner,
            "tags": tags, "created_at": iso(self.created_at), "source": self.source,
            "service": self.service_id, "endpoint": self.endpoint_id, "retired": self.retired,
            "versions": versions.iter().map(Version::to_json).collect::<Vec<_>>(),
        })
    }
}

/// The registry's tables in a [`PluginDb`].
#[derive(Clone, Debug)]
pub struct Registry {
    /// The database.
    pub db: PluginDb,
}

const MODEL_COLUMNS: &str = "id, name, description, color, icon, owner, source, service_id, endpoint_id, retired, created_at";
const VERSION_COLUMNS: &str = "id, model_id, name, model_type, version_schema, feature_importance, feature_positions, request, created_at";

fn model_of(r: &sqlx::any::AnyRow) -> Result<Model, sqlx::Error> {
    Ok(Model {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        description: r.try_get(2)?,
        color: r.try_get(3)?,
        icon: r.try_get(4)?,
        owner: r.try_get(5)?,
        source: r.try_get(6)?,
        service_id: r.try_get(7)?,
        endpoint_id: r.try_get(8)?,
        retired: r.try_get::<i64, _>(9)? != 0,
        created_at: r.try_get(10)?,
    })
}

fn json_of(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn version_of(r: &sqlx::any::AnyRow) -> Result<Version, sqlx::Error> {
    Ok(Version {
        id: r.try_get(0)?,
        model_id: r.try_get(1)?,
        name: r.try_get(2)?,
        model_type: r.try_get(3)?,
        schema: json_of(r.try_get(4)?).unwrap_or_else(|| json!({})),
        feature_importance: json_of(r.try_get(5)?),
        feature_positions: json_of(r.try_get(6)?),
        request: r.try_get(7)?,
        created_at: r.try_get(8)?,
    })
}

impl Registry {
    /// A model by id.
    pub async fn model(&self, id: &str) -> Result<Option<Model>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {MODEL_COLUMNS} FROM ap_models WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(model_of).transpose()
    }

    /// A model by id, or 404.
    pub async fn existing_model(&self, id: &str) -> Result<Model, ApError> {
        self.model(id)
            .await?
            .ok_or_else(|| ApError::not_found(format!("model '{id}'")))
    }

    /// Every model, oldest first.
    pub async fn models(&self) -> Result<Vec<Model>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {MODEL_COLUMNS} FROM ap_models ORDER BY created_at, id"
        ))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(model_of).collect()
    }

    /// The models mirroring a service's endpoints.
    pub async fn models_of_service(&self, service: &str) -> Result<Vec<Model>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {MODEL_COLUMNS} FROM ap_models WHERE service_id = $1"
        ))
        .bind(service)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(model_of).collect()
    }

    /// Inserts a model; `false` when the id exists.
    pub async fn insert_model(
        &self,
        m: &Model,
        tags: &BTreeMap<String, String>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.db.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO ap_models (id, name, description, color, icon, owner, source, service_id, endpoint_id, retired, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&m.id)
        .bind(&m.name)
        .bind(&m.description)
        .bind(&m.color)
        .bind(&m.icon)
        .bind(&m.owner)
        .bind(&m.source)
        .bind(&m.service_id)
        .bind(&m.endpoint_id)
        .bind(i64::from(m.retired))
        .bind(m.created_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            for (k, v) in tags {
                sqlx::query(
                    "INSERT INTO ap_tags (model_id, tag_key, tag_value) VALUES ($1, $2, $3)",
                )
                .bind(&m.id)
                .bind(k)
                .bind(v)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Marks a mirrored model retired or live again.
    pub async fn set_retired(&self, id: &str, retired: bool) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE ap_models SET retired = $1 WHERE id = $2")
            .bind(i64::from(retired))
            .bind(id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Sets a model's owner.
    pub async fn set_owner(&self, id: &str, owner: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE ap_models SET owner = $1 WHERE id = $2")
            .bind(owner)
            .bind(id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Deletes a model with its tags, versions and their data, and its monitors (its alerts
    /// stay: they are history).
    pub async fn delete_model(&self, id: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.db.pool().begin().await?;
        sqlx::query(
            "DELETE FROM ap_version_data WHERE version_id IN (SELECT id FROM ap_versions WHERE model_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        for table in ["ap_versions", "ap_tags", "ap_monitors"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE model_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM ap_models WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// A model's tags.
    pub async fn tags(&self, model: &str) -> Result<BTreeMap<String, String>, sqlx::Error> {
        let rows = sqlx::query("SELECT tag_key, tag_value FROM ap_tags WHERE model_id = $1")
            .bind(model)
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Merges tags (validated, keys lower-cased) into a model's, atomically: `Err` 400 and
    /// nothing written when the result would have more than `max` tags.
    pub async fn merge_tags(
        &self,
        model: &str,
        tags: &BTreeMap<String, String>,
        max: usize,
    ) -> Result<(), ApError> {
        let mut tx = self.db.pool().begin().await?;
        // A write first, so that a SQLite transaction holds the write lock before it counts.
        sqlx::query("UPDATE ap_models SET id = id WHERE id = $1")
            .bind(model)
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query("SELECT tag_key FROM ap_tags WHERE model_id = $1")
            .bind(model)
            .fetch_all(&mut *tx)
            .await?;
        let mut keys: std::collections::BTreeSet<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        keys.extend(tags.keys().cloned());
        if keys.len() > max {
            return Err(ApError::bad_request(format!(
                "a model has at most {max} tags: these would make {}",
                keys.len()
            )));
        }
        for (k, v) in tags {
            sqlx::query(
                "INSERT INTO ap_tags (model_id, tag_key, tag_value) VALUES ($1, $2, $3)
                 ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
            )
            .bind(model)
            .bind(k)
            .bind(v)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes one tag (nothing when absent).
    pub async fn delete_tag(&self, model: &str, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM ap_tags WHERE model_id = $1 AND tag_key = $2")
            .bind(model)
            .bind(key)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// A model's versions, oldest first.
    pub async fn versions(&self, model: &str) -> Result<Vec<Version>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM ap_versions WHERE model_id = $1 ORDER BY created_at, name"
        ))
        .bind(model)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(version_of).collect()
    }

    /// A version by name or id.
    pub async fn version(
        &self,
        model: &str,
        name_or_id: &str,
    ) -> Result<Option<Version>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM ap_versions WHERE model_id = $1 AND (name = $2 OR id = $2)
             ORDER BY CASE WHEN name = $2 THEN 0 ELSE 1 END"
        ))
        .bind(model)
        .bind(name_or_id)
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(version_of).transpose()
    }

    /// A version by name or id, or 404.
    pub async fn existing_version(
        &self,
        model: &str,
        name_or_id: &str,
    ) -> Result<Version, ApError> {
        self.version(model, name_or_id)
            .await?
            .ok_or_else(|| ApError::not_found(format!("version '{name_or_id}' of model '{model}'")))
    }

    /// A model and one of its versions (by name or id), or 404 naming what is missing.
    pub async fn model_version(
        &self,
        model: &str,
        name_or_id: &str,
    ) -> Result<(Model, Version), ApError> {
        let m = self.existing_model(model).await?;
        let v = self.existing_version(model, name_or_id).await?;
        Ok((m, v))
    }

    /// A version by its id alone.
    pub async fn version_by_id(&self, id: &str) -> Result<Option<Version>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM ap_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(version_of).transpose()
    }

    /// Inserts a version; `false` when the model has one of that name.
    pub async fn insert_version(&self, v: &Version) -> Result<bool, sqlx::Error> {
        let text = |x: &Option<Value>| x.as_ref().map(Value::to_string);
        Ok(sqlx::query(
            "INSERT INTO ap_versions (id, model_id, name, model_type, version_schema, feature_importance, feature_positions, request, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (model_id, name) DO NOTHING",
        )
        .bind(&v.id)
        .bind(&v.model_id)
        .bind(&v.name)
        .bind(&v.model_type)
        .bind(v.schema.to_string())
        .bind(text(&v.feature_importance))
        .bind(text(&v.feature_positions))
        .bind(&v.request)
        .bind(v.created_at)
        .execute(self.db.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Replaces a version's feature importance or positions (`column`: `feature_importance` or
    /// `feature_positions`).
    pub async fn set_version_map(
        &self,
        id: &str,
        column: VersionMap,
        value: &Map<String, Value>,
    ) -> Result<(), sqlx::Error> {
        let column = match column {
            VersionMap::Importance => "feature_importance",
            VersionMap::Positions => "feature_positions",
        };
        sqlx::query(&format!(
            "UPDATE ap_versions SET {column} = $1 WHERE id = $2"
        ))
        .bind(Value::Object(value.clone()).to_string())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Deletes a version and its data.
    pub async fn delete_version(&self, id: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("DELETE FROM ap_version_data WHERE version_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM ap_versions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Stores what the SDK attaches to a version (`kind`: `model_artifact`, `datasets:<name>`,
    /// ...), replacing the previous one of that kind.
    pub async fn put_version_data(
        &self,
        version: &str,
        kind: &str,
        body: &Value,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO ap_version_data (version_id, kind, body, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (version_id, kind) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(version)
        .bind(kind)
        .bind(body.to_string())
        .bind(now)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// What the SDK attached to a version under `kind`.
    pub async fn version_data(
        &self,
        version: &str,
        kind: &str,
    ) -> Result<Option<(Value, i64)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT body, updated_at FROM ap_version_data WHERE version_id = $1 AND kind = $2",
        )
        .bind(version)
        .bind(kind)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(match row {
            Some(r) => json_of(r.try_get(0)?).map(|v| (v, r.try_get::<i64, _>(1).unwrap_or(0))),
            None => None,
        })
    }

    /// The environments, oldest first.
    pub async fn environments(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, name FROM ap_environments ORDER BY created_at, name")
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The id of an environment, created on first use.
    pub async fn environment(&self, name: &str, now: i64) -> Result<String, sqlx::Error> {
        sqlx::query(
            "INSERT INTO ap_environments (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(new_uuid())
        .bind(name)
        .bind(now)
        .execute(self.db.pool())
        .await?;
        sqlx::query("SELECT id FROM ap_environments WHERE name = $1")
            .bind(name)
            .fetch_one(self.db.pool())
            .await?
            .try_get(0)
    }
}

/// Which map of a version [`Registry::set_version_map`] replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionMap {
    /// `feature_importance`.
    Importance,
    /// `feature_positions`.
    Positions,
}
