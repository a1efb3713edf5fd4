//! The plugin's own tables: deployment metadata (label, description, importance, health
//! settings, deletion) and tags.

use crate::app::db_error;
use crate::error::DrError;
use crate::shapes::Tag;
use plinth_plugin_api::{Migration, PluginDb};
use sqlx::Row;

const TABLES: &str = "
CREATE TABLE dr_deployments (
    id TEXT PRIMARY KEY NOT NULL, label TEXT, description TEXT, importance TEXT,
    deleted_generation TEXT, health_settings TEXT, updated_at BIGINT NOT NULL);
CREATE TABLE dr_tags (
    deployment_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (deployment_id, id))
";

/// The plugin's migrations (the same text suits both dialects).
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "deployment metadata and tags",
    sqlite: TABLES,
    postgres: TABLES,
}];

/// What the plugin keeps about a deployment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    /// `label` (default: `<service> <endpoint>`).
    pub label: Option<String>,
    /// `description` (default: the endpoint's).
    pub description: Option<String>,
    /// `importance` (default `LOW`).
    pub importance: Option<String>,
    /// The health settings set by PATCH (merged over the defaults).
    pub health_settings: Option<String>,
}

/// The plugin's tables in a [`PluginDb`].
#[derive(Clone, Debug)]
pub struct Tables {
    /// The database.
    pub db: PluginDb,
}

impl Tables {
    /// The stored metadata of a deployment (defaults when never set).
    pub async fn meta(&self, id: &str) -> Result<Meta, DrError> {
        let row = sqlx::query(
            "SELECT label, description, importance, health_settings FROM dr_deployments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(db_error)?;
        Ok(match row {
            None => Meta::default(),
            Some(r) => Meta {
                label: r.try_get(0).map_err(db_error)?,
                description: r.try_get(1).map_err(db_error)?,
                importance: r.try_get(2).map_err(db_error)?,
                health_settings: r.try_get(3).map_err(db_error)?,
            },
        })
    }

    /// Stores a deployment's metadata (`now`: ms since the epoch).
    pub async fn set_meta(&self, id: &str, meta: &Meta, now: i64) -> Result<(), DrError> {
        sqlx::query(
            "INSERT INTO dr_deployments (id, label, description, importance, health_settings, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET label = excluded.label, description = excluded.description,
                importance = excluded.importance, health_settings = excluded.health_settings,
                updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(&meta.label)
        .bind(&meta.description)
        .bind(&meta.importance)
        .bind(&meta.health_settings)
        .bind(now)
        .execute(self.db.pool())
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Whether the deployment `id` was deleted while `generation` was its current model (it
    /// stays hidden until its service serves another generation).
    pub async fn is_deleted(&self, id: &str, generation: &str) -> Result<bool, DrError> {
        let deleted: Option<String> =
            sqlx::query("SELECT deleted_generation FROM dr_deployments WHERE id = $1")
                .bind(id)
                .fetch_optional(self.db.pool())
                .await
                .map_err(db_error)?
                .map(|r| r.try_get::<Option<String>, _>(0))
                .transpose()
                .map_err(db_error)?
                .flatten();
        Ok(deleted.is_some_and(|g| g == generation))
    }

    /// Marks a deployment deleted (with its tags) while `generation` is its current model.
    pub async fn mark_deleted(&self, id: &str, generation: &str, now: i64) -> Result<(), DrError> {
        sqlx::query(
            "INSERT INTO dr_deployments (id, deleted_generation, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET deleted_generation = excluded.deleted_generation,
                updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(generation)
        .bind(now)
        .execute(self.db.pool())
        .await
        .map_err(db_error)?;
        sqlx::query("DELETE FROM dr_tags WHERE deployment_id = $1")
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// A deployment's tags, in creation order.
    pub async fn tags(&self, id: &str) -> Result<Vec<Tag>, DrError> {
        let rows =
            sqlx::query("SELECT id, name, value FROM dr_tags WHERE deployment_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(self.db.pool())
                .await
                .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(Tag {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    value: r.try_get(2)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db_error)
    }

    /// Adds or replaces a tag.
    pub async fn put_tag(&self, deployment: &str, tag: &Tag) -> Result<(), DrError> {
        sqlx::query(
            "INSERT INTO dr_tags (deployment_id, id, name, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (deployment_id, id) DO UPDATE SET name = excluded.name, value = excluded.value",
        )
        .bind(deployment)
        .bind(&tag.id)
        .bind(&tag.name)
        .bind(&tag.value)
        .execute(self.db.pool())
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Removes a tag; `false` when there was none.
    pub async fn delete_tag(&self, deployment: &str, id: &str) -> Result<bool, DrError> {
        let done = sqlx::query("DELETE FROM dr_tags WHERE deployment_id = $1 AND id = $2")
            .bind(deployment)
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }
}
