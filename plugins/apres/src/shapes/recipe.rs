//! The Recipe object (`GET /recipe`): one hosted prediction endpoint, with one
//! categorisation template whose choices are the model's class labels.

use serde_json::{Value, json};

use super::timestamp;

/// What a Recipe answer shows; times in milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeView {
    /// The recipe id.
    pub id: String,
    /// Its name (the endpoint's).
    pub name: String,
    /// Whether the endpoint is enabled (`Enabled`/`Disabled`).
    pub enabled: bool,
    /// When the recipe was created.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// The processing template's integer id.
    pub template_id: i64,
    /// The template's instruction (the question the model answers).
    pub instruction: String,
    /// The model's class labels.
    pub choices: Vec<String>,
}

/// The Recipe object, with the seed's members in the seed's order.
pub fn recipe_json(recipe: &RecipeView) -> Value {
    json!({
        "id": recipe.id,
        "name": recipe.name,
        "status": if recipe.enabled { "Enabled" } else { "Disabled" },
        "created_at": timestamp(recipe.created_ms),
        "updated_at": timestamp(recipe.updated_ms),
        "processing_templates": [{
            "id": recipe.template_id,
            "sequence": 1,
            "type": "CategorisationTemplate",
            "instruction": recipe.instruction,
            "choices": recipe.choices,
            "multiple_choices": false,
            "options": null,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_recipe() {
        let recipe = RecipeView {
            id: "2b5a3e3c-65d7-11e9-9d46-60f81dab267a".into(),
            name: "Image Classification Tester".into(),
            enabled: true,
            created_ms: 1_540_676_210_000,
            updated_ms: 1_540_676_210_000,
            template_id: 116,
            instruction: "Is this a wading bird?".into(),
            choices: vec!["Yes".into(), "No".into()],
        };
        let expected = r#"{"id":"2b5a3e3c-65d7-11e9-9d46-60f81dab267a","name":"Image Classification Tester","status":"Enabled","created_at":"2018-10-27T21:36:50.000Z","updated_at":"2018-10-27T21:36:50.000Z","processing_templates":[{"id":116,"sequence":1,"type":"CategorisationTemplate","instruction":"Is this a wading bird?","choices":["Yes","No"],"multiple_choices":false,"options":null}]}"#;
        assert_eq!(recipe_json(&recipe).to_string(), expected);
        let disabled = recipe_json(&RecipeView {
            enabled: false,
            ..recipe
        });
        assert_eq!(disabled["status"], "Disabled");
    }
}
