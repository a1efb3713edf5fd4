use super::Store;
use sqlx::Row;

impl Store {
    /// Every endpoint switched off, as `(service, endpoint)`.
    pub async fn list_inactive_endpoints(&self) -> sqlx::Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT service_id, endpoint_id FROM inactive_endpoints")
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get("service_id"), r.get("endpoint_id")))
            .collect())
    }

    /// The endpoints of one service switched off.
    pub async fn inactive_endpoints_of(&self, service: &str) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT endpoint_id FROM inactive_endpoints WHERE service_id = $1")
            .bind(service)
            .fetch_all(self.pool())
            .await
    }

    /// Switches an endpoint off (`active = false`, from `now`) or on again.
    pub async fn set_endpoint_active(
        &self,
        service: &str,
        endpoint: &str,
        active: bool,
        now: i64,
    ) -> sqlx::Result<()> {
        if active {
            sqlx::query(
                "DELETE FROM inactive_endpoints WHERE service_id = $1 AND endpoint_id = $2",
            )
            .bind(service)
            .bind(endpoint)
            .execute(self.pool())
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO inactive_endpoints (service_id, endpoint_id, since) VALUES ($1, $2, $3)
                 ON CONFLICT (service_id, endpoint_id) DO NOTHING",
            )
            .bind(service)
            .bind(endpoint)
            .bind(now)
            .execute(self.pool())
            .await?;
        }
        Ok(())
    }
}
