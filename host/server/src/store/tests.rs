//! The state tables on both databases: every query of the store, the bundle archives, and the
//! refusal of a schema newer than this build.

use super::*;
use plinth_plugin_api::test_db::on_both;
use sha2::Digest;

async fn open(url: String, _name: &'static str) -> Store {
    Store::connect(&url).await.expect("open the state")
}

fn generation(service: &str, id: &str, seq: i64) -> GenerationRow {
    GenerationRow {
        service_id: service.into(),
        id: id.into(),
        seq,
        bundle_dir: format!("bundles/{service}/{id}"),
        sha256: "ab".repeat(32),
        manifest: "[service]\nid = \"s\"\n".into(),
        created_at: 5,
    }
}

#[tokio::test]
async fn services_generations_keys_and_endpoints_on_both_databases() {
    on_both("state_tables", open, |store| async move {
        assert!(store.insert_service("a", true).await.unwrap());
        assert!(
            !store.insert_service("a", false).await.unwrap(),
            "second insert"
        );
        let routing = r#"{"single":"v1"}"#;
        assert!(
            store
                .record_deploy(
                    &generation("b", "v1", 1),
                    true,
                    false,
                    Some("d"),
                    Some(routing),
                    None
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_deploy(&generation("b", "v2", 2), true, false, None, None, None)
                .await
                .unwrap(),
            "a service created twice"
        );
        let b = store.get_service("b").await.unwrap().unwrap();
        assert_eq!(
            (
                b.enabled,
                b.public,
                b.description.as_deref(),
                b.routing.as_deref()
            ),
            (true, false, Some("d"), Some(routing))
        );
        assert!(store.get_service("zz").await.unwrap().is_none());
        store.set_service_enabled("b", false).await.unwrap();
        store.set_service_routing("b", None, None).await.unwrap();
        let b = store.get_service("b").await.unwrap().unwrap();
        assert_eq!((b.enabled, b.routing), (false, None));
        store
            .set_service_routing("b", Some(routing), Some(true))
            .await
            .unwrap();
        assert!(store.get_service("b").await.unwrap().unwrap().enabled);
        let ids: Vec<String> = store
            .list_services()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            store.list_generations("b").await.unwrap(),
            [generation("b", "v1", 1)]
        );

        store.set_endpoint_active("b", "e", false, 9).await.unwrap();
        store
            .set_endpoint_active("b", "e", false, 10)
            .await
            .unwrap();
        assert_eq!(store.inactive_endpoints_of("b").await.unwrap(), ["e"]);
        store.set_endpoint_active("b", "e", true, 11).await.unwrap();
        assert!(store.list_inactive_endpoints().await.unwrap().is_empty());

        let key = KeyRow {
            id: "k1".into(),
            key_hash: "h1".into(),
            key_prefix: "p".into(),
            scope: KeyScope::Service("b".into()),
            label: None,
            description: None,
            created_by: None,
            created_at: 1,
            expires_at: Some(2),
        };
        store.insert_key(&key).await.unwrap();
        assert!(
            !store
                .insert_key_unless_present(&KeyRow {
                    id: "k2".into(),
                    ..key.clone()
                })
                .await
                .unwrap()
        );
        assert_eq!(store.list_keys().await.unwrap(), std::slice::from_ref(&key));
        // Deleting the service takes its generations and keys with it.
        assert!(store.delete_service("b").await.unwrap());
        assert!(store.list_generations("b").await.unwrap().is_empty());
        assert!(store.list_keys().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn audit_rows_round_trip_on_both_databases() {
    on_both("state_audit", open, |store| async move {
        let row = |at: i64, service: &str| AuditRow {
            at,
            kind: "call".into(),
            service_id: Some(service.into()),
            endpoint_id: Some("e".into()),
            generation: Some("v1".into()),
            action: Some("predict".into()),
            status: Some(200),
            duration_us: Some(12),
            key_id: None,
            detail: None,
            context: Some(r#"{"a":1}"#.into()),
        };
        let rows: Vec<AuditRow> = (0..30)
            .map(|i| row(i, if i % 2 == 0 { "x" } else { "y" }))
            .collect();
        store
            .append_audit(&rows.iter().collect::<Vec<_>>())
            .await
            .unwrap();
        assert_eq!(store.audit_count().await.unwrap(), 30);
        let newest = store.recent_audit(None, 2).await.unwrap();
        assert_eq!(newest, [rows[29].clone(), rows[28].clone()]);
        let x = store.recent_audit(Some("x"), 100).await.unwrap();
        assert_eq!(x.len(), 15);
        assert_eq!(store.prune_audit(10, 100).await.unwrap(), 10);
        assert_eq!(store.prune_audit(0, 5).await.unwrap(), 15);
        assert_eq!(store.recent_audit(None, 100).await.unwrap()[4], rows[25]);
    })
    .await;
}

#[tokio::test]
async fn bundle_archives_are_stored_in_chunks_and_checked_on_both_databases() {
    on_both("state_archives", open, |store| async move {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.tar");
        // Three chunks, the last one short.
        let bytes: Vec<u8> = (0..(2 * ARCHIVE_CHUNK_BYTES + 1234))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        let archive = ArchiveFile {
            path: &path,
            sha256: hex::encode(sha2::Sha256::digest(&bytes)),
            size: bytes.len() as u64,
        };
        store
            .record_deploy(
                &generation("s", "v1", 1),
                true,
                false,
                None,
                None,
                Some(&archive),
            )
            .await
            .unwrap();
        let back = dir.path().join("back.tar");
        store.fetch_archive("s", "v1", &back).await.unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), bytes);
        assert!(matches!(
            store
                .fetch_archive("s", "v9", &dir.path().join("none"))
                .await,
            Err(ArchiveError::Missing)
        ));
        // A corrupted chunk is refused, not unpacked.
        sqlx::query("UPDATE bundle_chunks SET data = $1 WHERE n = 1")
            .bind(vec![0u8; ARCHIVE_CHUNK_BYTES])
            .execute(store.pool())
            .await
            .unwrap();
        let refused = store
            .fetch_archive("s", "v1", &dir.path().join("bad.tar"))
            .await;
        assert!(
            matches!(refused, Err(ArchiveError::Corrupt(ref m)) if m.contains("SHA-256")),
            "{refused:?}"
        );
        // Deleting the generation deletes its archive.
        store.delete_generation("s", "v1").await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bundle_chunks")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(left, 0);
    })
    .await;
}

#[tokio::test]
async fn a_schema_newer_than_this_build_is_refused_on_both_databases() {
    on_both(
        "state_newer_schema",
        |url, _| async move { url },
        |url| async move {
            let store = Store::connect(&url).await.unwrap();
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES (999, 'from the future', TRUE, $1, 0)",
            )
            .bind(vec![0u8; 48])
            .execute(store.pool())
            .await
            .unwrap();
            drop(store);
            let refused = Store::connect(&url).await.unwrap_err().to_string();
            assert!(refused.contains("schema version 999, newer than this Plinth"), "{refused}");
        },
    )
    .await;
}
