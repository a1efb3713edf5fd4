//! `plinth vidora keys ...` and `plinth apres recipes ...`: the credentials of the batch APIs,
//! made through the admin API (`/admin/api/vidora/keys`, `/admin/api/apres/recipes`).

use crate::Remote;
use crate::admin_client::AdminClient;
use serde_json::{Value, json};

/// `plinth vidora keys ...`.
#[derive(clap::Subcommand)]
pub enum VidoraKeysAction {
    /// Create a key and print its api_key and secret (the secret is shown once).
    Create {
        /// Accept requests with the api_key alone (no expires/signature).
        #[arg(long)]
        no_signatures: bool,
    },
    /// List keys (never their secrets).
    List,
    /// Delete a key.
    Delete {
        /// The api_key.
        api_key: String,
    },
}

/// `plinth apres recipes ...`.
#[derive(clap::Subcommand)]
pub enum ApresRecipesAction {
    /// Make a prediction endpoint an Apres recipe and print its id and key (shown once).
    Create {
        /// Service id.
        #[arg(long)]
        service: String,
        /// Prediction endpoint id.
        #[arg(long)]
        endpoint: String,
        /// The recipe's name (default: the endpoint's).
        #[arg(long)]
        name: Option<String>,
    },
    /// List recipes (never their keys).
    List,
    /// Delete a recipe (its key stops working).
    Delete {
        /// The recipe id.
        id: String,
    },
}

fn print(answer: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(answer)?);
    Ok(())
}

/// Runs a `plinth vidora keys` command.
pub fn vidora(remote: &Remote, action: VidoraKeysAction) -> anyhow::Result<()> {
    let client = AdminClient::new(remote)?;
    match action {
        VidoraKeysAction::Create { no_signatures } => {
            let answer =
                client.post_json("vidora/keys", &json!({ "signatures": !no_signatures }))?;
            print(&answer)
        }
        VidoraKeysAction::List => print(&client.get("vidora/keys")?),
        VidoraKeysAction::Delete { api_key } => {
            print(&client.delete(&format!("vidora/keys/{api_key}"))?)
        }
    }
}

/// Runs a `plinth apres recipes` command.
pub fn apres(remote: &Remote, action: ApresRecipesAction) -> anyhow::Result<()> {
    let client = AdminClient::new(remote)?;
    match action {
        ApresRecipesAction::Create {
            service,
            endpoint,
            name,
        } => {
            let mut body = json!({ "service": service, "endpoint": endpoint });
            if let Some(name) = name {
                body["name"] = json!(name);
            }
            print(&client.post_json("apres/recipes", &body)?)
        }
        ApresRecipesAction::List => print(&client.get("apres/recipes")?),
        ApresRecipesAction::Delete { id } => print(&client.delete(&format!("apres/recipes/{id}"))?),
    }
}
