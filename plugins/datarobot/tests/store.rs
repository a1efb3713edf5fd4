//! The DataRobot plugin's own tables (deployment metadata, deletion, tags) on SQLite and
//! PostgreSQL.

use plinth_datarobot::shapes::Tag;
use plinth_datarobot::store::{MIGRATIONS, Meta, Tables};
use plinth_plugin_api::test_db::TestDatabase;

async fn exercise(database: &TestDatabase) {
    let db = database.connect().await;
    db.migrate("datarobot", MIGRATIONS).await.unwrap();
    let t = Tables { db };
    let id = "svc~ep";
    assert_eq!(t.meta(id).await.unwrap(), Meta::default());
    let meta = Meta {
        label: Some("Churn".into()),
        description: Some("é and 🚀".into()),
        importance: Some("HIGH".into()),
        health_settings: Some(r#"{"dataDrift":{"driftThreshold":0.2}}"#.into()),
    };
    t.set_meta(id, &meta, 1).await.unwrap();
    assert_eq!(t.meta(id).await.unwrap(), meta);
    let changed = Meta {
        label: Some("Churn v2".into()),
        ..meta.clone()
    };
    t.set_meta(id, &changed, 2).await.unwrap();
    assert_eq!(t.meta(id).await.unwrap(), changed);

    for (n, name) in ["team", "env"].iter().enumerate() {
        let tag = Tag {
            id: format!("tag{n:06}"),
            name: (*name).into(),
            value: "ml".into(),
        };
        t.put_tag(id, &tag).await.unwrap();
    }
    t.put_tag(
        id,
        &Tag {
            id: "tag000001".into(),
            name: "env".into(),
            value: "prod".into(),
        },
    )
    .await
    .unwrap();
    let tags = t.tags(id).await.unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[1].value, "prod");
    assert!(t.delete_tag(id, "tag000000").await.unwrap());
    assert!(!t.delete_tag(id, "tag000000").await.unwrap());
    assert_eq!(t.tags(id).await.unwrap().len(), 1);

    assert!(!t.is_deleted(id, "v1").await.unwrap());
    t.mark_deleted(id, "v1", 3).await.unwrap();
    assert!(t.is_deleted(id, "v1").await.unwrap());
    // Hidden only while v1 is its model: a new generation brings it back.
    assert!(!t.is_deleted(id, "v2").await.unwrap());
    assert!(
        t.tags(id).await.unwrap().is_empty(),
        "tags go with the deletion"
    );
    // The metadata row survives the deletion mark.
    assert_eq!(t.meta(id).await.unwrap().label.as_deref(), Some("Churn v2"));
}

#[tokio::test]
async fn deployment_tables_work_on_sqlite_and_postgres() {
    let sqlite = TestDatabase::sqlite();
    exercise(&sqlite).await;
    if let Some(pg) = TestDatabase::postgres("datarobot_tables").await {
        exercise(&pg).await;
        pg.finish().await;
    }
}
