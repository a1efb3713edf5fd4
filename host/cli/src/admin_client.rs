//! A small blocking client of the admin API.

use crate::Remote;
use anyhow::{Context, anyhow, bail};
use serde_json::Value;
use std::io::Read;
use std::time::Duration;

/// Talks to `{server}/admin/api` with an admin key.
pub struct AdminClient {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

impl AdminClient {
    pub fn new(remote: &Remote) -> anyhow::Result<AdminClient> {
        let key = remote
            .admin_key
            .clone()
            .ok_or_else(|| anyhow!("no admin key: pass --admin-key or set PLINTH_ADMIN_KEY (printed by the server at first start)"))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(3600)))
            .build()
            .into();
        Ok(AdminClient {
            agent,
            base: format!("{}/admin/api", remote.server.trim_end_matches('/')),
            authorization: format!("Bearer {key}"),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self
            .agent
            .get(self.url(path))
            .header("Authorization", &self.authorization)
            .call()
            .with_context(|| self.unreachable())?;
        answer(response)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .agent
            .post(self.url(path))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .send(serde_json::to_vec(body)?)
            .with_context(|| self.unreachable())?;
        answer(response)
    }

    pub fn post_stream(&self, path: &str, body: &mut dyn Read) -> anyhow::Result<Value> {
        let response = self
            .agent
            .post(self.url(path))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/octet-stream")
            .send(ureq::SendBody::from_reader(body))
            .with_context(|| self.unreachable())?;
        answer(response)
    }

    pub fn delete(&self, path: &str) -> anyhow::Result<Value> {
        let response = self
            .agent
            .delete(self.url(path))
            .header("Authorization", &self.authorization)
            .call()
            .with_context(|| self.unreachable())?;
        answer(response)
    }

    fn unreachable(&self) -> String {
        format!(
            "cannot reach the Plinth server at {}",
            self.base.trim_end_matches("/admin/api")
        )
    }
}

/// The JSON of a 2xx answer, or an error built from the server's error body.
fn answer(response: http::Response<ureq::Body>) -> anyhow::Result<Value> {
    let status = response.status();
    let text = response.into_body().read_to_string().unwrap_or_default();
    if status.is_success() {
        return if text.trim().is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str(&text).context("the server's answer is not JSON")
        };
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(e) if e.get("errorType").is_some() => {
            let detail = e["detailedMessage"]
                .as_str()
                .or(e["message"].as_str())
                .unwrap_or("");
            bail!(
                "{} ({}): {}",
                e["errorType"].as_str().unwrap_or("error"),
                status.as_u16(),
                detail
            )
        }
        _ => bail!("HTTP {}: {}", status.as_u16(), text.trim()),
    }
}
