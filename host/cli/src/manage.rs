//! `plinth services`, `plinth switch`, `plinth keys`.

use crate::Remote;
use crate::admin_client::AdminClient;
use serde_json::{Value, json};

pub fn services(remote: &Remote, raw: bool) -> anyhow::Result<()> {
    let client = AdminClient::new(remote)?;
    let list = client.get("services")?;
    if raw {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    println!(
        "{:<24} {:<8} {:<7} {:<24} GENERATIONS",
        "SERVICE", "ENABLED", "PUBLIC", "ROUTING"
    );
    for s in list.as_array().into_iter().flatten() {
        let entries = s["mapping"]["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let routing = if entries.is_empty() {
            "-".to_string()
        } else {
            entries
                .iter()
                .map(|e| format!("{}:{}", e["generation"].as_str().unwrap_or("?"), e["proba"]))
                .collect::<Vec<_>>()
                .join(",")
        };
        let generations: Vec<&str> = s["generations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        println!(
            "{:<24} {:<8} {:<7} {:<24} {}",
            s["id"].as_str().unwrap_or("?"),
            s["enabled"],
            s["public"],
            routing,
            generations.join(" ")
        );
    }
    Ok(())
}

pub fn switch(remote: &Remote, service: &str, generation: Option<&str>) -> anyhow::Result<()> {
    let client = AdminClient::new(remote)?;
    let answer = match generation {
        Some(g) => client.post_json(
            &format!("services/{service}/actions/switchTo/{g}"),
            &json!({}),
        )?,
        None => client.post_json(
            &format!("services/{service}/actions/switchToNewest"),
            &json!({}),
        )?,
    };
    println!(
        "{service} now serves generation {}",
        answer["generation"].as_str().unwrap_or("?")
    );
    Ok(())
}

/// `plinth keys ...`
#[derive(clap::Subcommand)]
pub enum KeysAction {
    /// List keys (never their secrets).
    List {
        /// A service's keys instead of admin keys.
        #[arg(long)]
        service: Option<String>,
        /// Monitoring keys (the DataRobot API, not the admin API) instead of admin keys.
        #[arg(long, conflicts_with = "service")]
        monitoring: bool,
    },
    /// Create a key and print its secret once.
    Add {
        /// A key for calling this service instead of an admin key.
        #[arg(long)]
        service: Option<String>,
        /// A monitoring key (the DataRobot API, not the admin API) instead of an admin key.
        #[arg(long, conflicts_with = "service")]
        monitoring: bool,
        /// Label.
        #[arg(long)]
        label: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a key by its secret or id.
    Delete {
        /// The key's secret or id.
        key: String,
        /// The service the key belongs to.
        #[arg(long)]
        service: Option<String>,
        /// A monitoring key.
        #[arg(long, conflicts_with = "service")]
        monitoring: bool,
    },
}

fn keys_path(service: &Option<String>, monitoring: bool) -> String {
    match service {
        Some(s) => format!("services/{s}/keys"),
        None if monitoring => "monitoring-keys".into(),
        None => "keys".into(),
    }
}

pub fn keys(remote: &Remote, action: KeysAction) -> anyhow::Result<()> {
    let client = AdminClient::new(remote)?;
    match action {
        KeysAction::List {
            service,
            monitoring,
        } => {
            println!("{:<14} {:<8} {:<20} CREATED BY", "ID", "PREFIX", "LABEL");
            for k in client
                .get(&keys_path(&service, monitoring))?
                .as_array()
                .into_iter()
                .flatten()
            {
                println!(
                    "{:<14} {:<8} {:<20} {}",
                    k["id"].as_str().unwrap_or("?"),
                    k["prefix"].as_str().unwrap_or(""),
                    k["label"].as_str().unwrap_or(""),
                    k["createdBy"].as_str().unwrap_or("")
                );
            }
        }
        KeysAction::Add {
            service,
            monitoring,
            label,
            description,
        } => {
            let created_by = std::env::var("USER").ok();
            let k = client.post_json(
                &keys_path(&service, monitoring),
                &json!({"label": label, "description": description, "createdBy": created_by}),
            )?;
            println!("{}", k["key"].as_str().unwrap_or(""));
            eprintln!(
                "key id {} created; the secret above is shown only once",
                k["id"].as_str().unwrap_or("?")
            );
        }
        KeysAction::Delete {
            key,
            service,
            monitoring,
        } => {
            client.delete(&format!("{}/{key}", keys_path(&service, monitoring)))?;
            println!("deleted");
        }
    }
    Ok(())
}
