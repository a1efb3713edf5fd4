//! Recipes (`apres_recipes`): one hosted prediction endpoint with its own key. The key is
//! shown once, when the recipe is made, and stored as its SHA-256. The processing template's
//! `choices` are the model's classes, read from the host on each answer (a redeploy that
//! changes them shows at once).

use crate::app::Apres;
use crate::shapes::RecipeView;
use plinth_plugin_api::ModelInfo;
use sqlx::Row;
use std::sync::Arc;

/// A stored recipe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipe {
    /// Its id (a UUID).
    pub id: String,
    /// The Plinth service.
    pub service: String,
    /// The prediction endpoint.
    pub endpoint: String,
    /// Its name.
    pub name: String,
    /// The processing template's instruction.
    pub instruction: String,
    /// The processing template's integer id.
    pub template_id: i64,
    /// The first characters of its key, to tell keys apart in listings.
    pub key_hint: String,
    /// When it was made, ms since the epoch.
    pub created_at_ms: i64,
    /// When it last changed.
    pub updated_at_ms: i64,
}

const COLUMNS: &str = "id, service_id, endpoint_id, name, instruction, template_id, key_hint, \
                       created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Recipe, sqlx::Error> {
    Ok(Recipe {
        id: r.try_get(0)?,
        service: r.try_get(1)?,
        endpoint: r.try_get(2)?,
        name: r.try_get(3)?,
        instruction: r.try_get(4)?,
        template_id: r.try_get(5)?,
        key_hint: r.try_get(6)?,
        created_at_ms: r.try_get(7)?,
        updated_at_ms: r.try_get(8)?,
    })
}

/// The recipe of a presented key.
pub async fn by_key(apres: &Apres, key: &str) -> Result<Option<Recipe>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM apres_recipes WHERE key_hash = $1"
    ))
    .bind(crate::ids::key_hash(key))
    .fetch_optional(apres.db.pool())
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Every recipe, oldest first.
pub async fn all(apres: &Apres) -> Result<Vec<Recipe>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM apres_recipes ORDER BY created_at, id"
    ))
    .fetch_all(apres.db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// What a new recipe needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecipe {
    /// The Plinth service.
    pub service: String,
    /// Its prediction endpoint.
    pub endpoint: String,
    /// The name (default `<service>/<endpoint>`).
    pub name: String,
    /// The instruction of its template.
    pub instruction: String,
}

/// Stores a recipe; answers it and its key (shown this once).
pub async fn create(apres: &Apres, new: NewRecipe) -> Result<(Recipe, String), sqlx::Error> {
    let key = crate::ids::new_key();
    let now = apres.now_ms();
    let id = crate::ids::random_uuid();
    let recipe = Recipe {
        template_id: template_id(&id),
        id,
        service: new.service,
        endpoint: new.endpoint,
        name: new.name,
        instruction: new.instruction,
        key_hint: key[..10].to_owned(),
        created_at_ms: now,
        updated_at_ms: now,
    };
    sqlx::query(
        "INSERT INTO apres_recipes (id, key_hash, key_hint, service_id, endpoint_id, name,
                                    instruction, template_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&recipe.id)
    .bind(crate::ids::key_hash(&key))
    .bind(&recipe.key_hint)
    .bind(&recipe.service)
    .bind(&recipe.endpoint)
    .bind(&recipe.name)
    .bind(&recipe.instruction)
    .bind(recipe.template_id)
    .bind(now)
    .execute(apres.db.pool())
    .await?;
    Ok((recipe, key))
}

/// Deletes a recipe (its key stops working); whether it existed.
pub async fn delete(apres: &Apres, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM apres_recipes WHERE id = $1")
        .bind(id)
        .execute(apres.db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A small stable integer for the template (the seed's ids are integers).
fn template_id(recipe: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(recipe.as_bytes());
    i64::from(u32::from_be_bytes([0, d[0], d[1], d[2]])) + 1
}

/// The endpoint of a recipe as the host serves it now: its model, and whether calls are
/// served. `None` when the endpoint is gone (or is no longer a prediction endpoint).
pub async fn endpoint(apres: &Apres, recipe: &Recipe) -> Option<(Option<Arc<ModelInfo>>, bool)> {
    let service = apres.host.service(&recipe.service)?;
    let endpoints = apres.host.endpoints(&recipe.service, None).await?;
    let e = endpoints
        .into_iter()
        .find(|e| e.id == recipe.endpoint && e.kind == "prediction")?;
    let active = service.enabled && !service.inactive_endpoints.contains(&e.id);
    Some((e.model, active))
}

/// The recipe as `GET /recipe` shows it.
pub async fn view(apres: &Apres, recipe: &Recipe) -> RecipeView {
    let (model, active) = endpoint(apres, recipe).await.unwrap_or((None, false));
    RecipeView {
        id: recipe.id.clone(),
        name: recipe.name.clone(),
        enabled: active,
        created_ms: recipe.created_at_ms,
        updated_ms: recipe.updated_at_ms,
        template_id: recipe.template_id,
        instruction: recipe.instruction.clone(),
        choices: model.map(|m| m.classes.clone()).unwrap_or_default(),
    }
}
