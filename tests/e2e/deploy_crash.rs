//! `kill -9` during a deploy or a switch: after a restart the service is exactly as before or
//! exactly as after, never half a generation, and the next deploy works.
//!
//! The server is stopped at named points with the test hook `PLINTH_TEST_PAUSE_AT` (see
//! `host/server/src/runtime/test_hook.rs`) and then killed; one more test kills it after random
//! delays while it deploys a larger bundle.

mod support;

use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use support::*;

const PAUSE_TIMEOUT: Duration = Duration::from_secs(60);
const OCTET_STREAM: Option<&str> = Some("application/octet-stream");

/// A stored generation as the admin API lists it (without `loaded`, which a restart changes).
#[derive(Clone, Debug, PartialEq)]
struct Gen {
    id: String,
    seq: i64,
    sha256: String,
    created_at: i64,
    active: bool,
}

/// What a client sees of a service: its generations (`None` when the service does not exist)
/// and the answer to a call (status, generation, label).
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    generations: Option<Vec<Gen>>,
    answer: (u16, String, String),
}

fn observe(server: &Plinth, service: &str) -> Seen {
    let listed = server.admin_get(&format!("services/{service}/generations"));
    let generations = match listed.status {
        404 => None,
        200 => Some(
            listed.json()["generations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| Gen {
                    id: g["id"].as_str().unwrap().to_owned(),
                    seq: g["seq"].as_i64().unwrap(),
                    sha256: g["sha256"].as_str().unwrap().to_owned(),
                    created_at: g["createdAt"].as_i64().unwrap(),
                    active: g["active"].as_bool().unwrap(),
                })
                .collect(),
        ),
        other => panic!("listing generations of {service}: {other} {}", listed.text),
    };
    let call = server.lookup(service, 1);
    let answer = if call.status == 200 {
        let body = call.json();
        (
            200,
            body["apiContext"]["serviceGeneration"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            body["results"][0]["data"]["label"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    } else {
        (call.status, String::new(), call.error_type())
    };
    Seen {
        generations,
        answer,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Before,
    After,
}

/// Whether `seen` is `before` plus the complete generation `new_id` (active and answering
/// `label` if `activate`).
fn is_after_deploy(before: &Seen, seen: &Seen, new_id: &str, activate: bool, label: &str) -> bool {
    let Some(now) = &seen.generations else {
        return false;
    };
    let old = before.generations.clone().unwrap_or_default();
    if now.len() != old.len() + 1 {
        return false;
    }
    let old_kept = old.iter().zip(now).all(|(o, n)| {
        let mut expected = o.clone();
        if activate {
            expected.active = false;
        }
        &expected == n
    });
    let new = &now[old.len()];
    let next_seq = old.iter().map(|g| g.seq).max().unwrap_or(0) + 1;
    let answer_ok = if activate {
        seen.answer == (200, new_id.to_owned(), label.to_owned())
    } else {
        seen.answer == before.answer
    };
    old_kept
        && new.id == new_id
        && new.seq == next_seq
        && new.sha256.len() == 64
        && new.active == activate
        && answer_ok
}

fn classify_deploy(
    context: &str,
    before: &Seen,
    seen: &Seen,
    new_id: &str,
    activate: bool,
    label: &str,
) -> Outcome {
    if seen == before {
        Outcome::Before
    } else if is_after_deploy(before, seen, new_id, activate, label) {
        Outcome::After
    } else {
        panic!(
            "{context}: neither as before nor as after the deploy of {new_id}\n before: {before:?}\n    now: {seen:?}"
        )
    }
}

fn names(dir: &Path) -> BTreeSet<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => panic!("{}: {e}", dir.display()),
    }
}

/// No staging leftovers; exactly one bundle directory per stored generation, each loadable.
fn assert_files_consistent(server: &Plinth, context: &str) {
    let data = &server.data_dir;
    let staging = names(&data.join("staging"));
    assert!(
        staging.is_empty(),
        "{context}: staging leftovers {staging:?}"
    );
    let services = server.admin_get("services").json();
    let mut stored = BTreeSet::new();
    for service in services.as_array().unwrap() {
        let id = service["id"].as_str().unwrap();
        for generation in service["generations"].as_array().unwrap() {
            let generation = generation.as_str().unwrap();
            stored.insert(format!("{id}/{generation}"));
            let described = server.admin_get(&format!("services/{id}/generations/{generation}"));
            assert_eq!(
                described.status, 200,
                "{context}: generation {id}/{generation} does not load: {}",
                described.text
            );
        }
    }
    let mut on_disk = BTreeSet::new();
    for service in names(&data.join("bundles")) {
        let generations = names(&data.join("bundles").join(&service));
        if generations.is_empty() {
            on_disk.insert(format!("{service}/"));
        }
        for generation in generations {
            on_disk.insert(format!("{service}/{generation}"));
        }
    }
    // An empty directory of a stored service is harmless; anything else must match the store.
    on_disk.retain(|d| {
        !(d.ends_with('/')
            && services
                .as_array()
                .unwrap()
                .iter()
                .any(|s| format!("{}/", s["id"].as_str().unwrap()) == *d))
    });
    assert_eq!(
        on_disk, stored,
        "{context}: bundle directories on disk vs generations stored"
    );
}

/// The stored bundle has exactly the source's files and contents.
fn assert_same_files(source: &Path, stored: &Path) {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    walk(source, source, &mut a);
    walk(stored, stored, &mut b);
    a.sort();
    b.sort();
    assert!(
        a == b,
        "{} is not a complete copy of {}",
        stored.display(),
        source.display()
    );
}

/// Starts a server paused at `point`, runs `post` (an admin POST in the background), waits for
/// the pause, kills the server and checks that the POST got no answer.
fn kill_paused(
    data: &Path,
    point: &str,
    post: impl FnOnce(&Plinth) -> std::thread::JoinHandle<Result<Answer, String>>,
) {
    let server = Plinth::start_with(
        data,
        Options {
            pause_at: Some(point.to_owned()),
            ..Default::default()
        },
    );
    let pending = post(&server);
    assert_eq!(server.wait_paused(PAUSE_TIMEOUT), point);
    server.kill();
    let answered = pending.join().unwrap();
    assert!(
        answered.is_err(),
        "the request paused at {point} answered: {answered:?}"
    );
}

/// Deploys `shop` v1, then kills a deploy (of a second generation of `shop`, or with
/// `new_service` of a first generation of `fresh`) at `point`, restarts and checks.
fn crash_deploy_at(point: &str, new_service: bool, activate: bool) -> Outcome {
    let context =
        format!("deploy killed at {point} (new service: {new_service}, activate: {activate})");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let service = if new_service { "fresh" } else { "shop" };
    let v1 = lookup_bundle(&tmp.path().join("b1"), "shop", true, &[(1, "one-v1")]);
    let next = lookup_bundle(&tmp.path().join("b2"), service, true, &[(1, "one-next")]);
    let server = Plinth::start(&data);
    server.deploy(&v1);
    let before = observe(&server, service);
    let shop_before = observe(&server, "shop");
    server.kill();

    let archive = tar_gz_dir(&next);
    kill_paused(&data, point, |server| {
        server.admin_in_background(
            "POST",
            &format!("deploy?activate={activate}"),
            Some(archive),
            OCTET_STREAM,
        )
    });

    let server = Plinth::start(&data);
    let new_id = if new_service { "v1" } else { "v2" };
    let seen = observe(&server, service);
    let outcome = classify_deploy(&context, &before, &seen, new_id, activate, "one-next");
    if new_service {
        assert_eq!(
            observe(&server, "shop"),
            shop_before,
            "{context}: shop changed"
        );
    }
    assert_files_consistent(&server, &context);
    if outcome == Outcome::After {
        assert_same_files(&next, &data.join("bundles").join(service).join(new_id));
    }

    // The next deploy of the same service works and continues the numbering.
    let again = lookup_bundle(&tmp.path().join("b3"), service, true, &[(1, "one-again")]);
    let expected = match (outcome, new_service) {
        (Outcome::Before, true) => "v1",
        (Outcome::Before, false) | (Outcome::After, true) => "v2",
        (Outcome::After, false) => "v3",
    };
    assert_eq!(server.deploy(&again)["generation"], expected, "{context}");
    assert_eq!(
        observe(&server, service).answer,
        (200, expected.to_owned(), "one-again".to_owned()),
        "{context}"
    );
    assert_files_consistent(&server, &format!("{context}, then deployed again"));
    outcome
}

#[test]
fn a_deploy_killed_at_each_point_restarts_as_before_or_as_after() {
    let started = Instant::now();
    // (point, what a restart must show)
    let points = [
        ("deploy-staged", Outcome::Before),
        ("deploy-moved", Outcome::Before),
        ("deploy-loaded", Outcome::Before),
        ("deploy-recorded", Outcome::After),
    ];
    for (point, expected) in points {
        assert_eq!(crash_deploy_at(point, false, true), expected, "{point}");
    }
    assert_eq!(
        crash_deploy_at("deploy-recorded", false, false),
        Outcome::After
    );
    eprintln!("deploy kill points: {:?}", started.elapsed());
}

#[test]
fn a_first_deploy_killed_at_each_point_restarts_without_or_with_the_service() {
    let points = [
        ("deploy-staged", Outcome::Before),
        ("deploy-moved", Outcome::Before),
        ("deploy-loaded", Outcome::Before),
        ("deploy-recorded", Outcome::After),
    ];
    for (point, expected) in points {
        assert_eq!(crash_deploy_at(point, true, true), expected, "{point}");
    }
}

#[test]
fn a_switch_killed_at_each_point_restarts_on_the_old_or_the_new_generation() {
    for (point, expected) in [
        ("switch-loaded", Outcome::Before),
        ("switch-recorded", Outcome::After),
    ] {
        let context = format!("switch killed at {point}");
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let server = Plinth::start(&data);
        server.deploy(&lookup_bundle(
            &tmp.path().join("b1"),
            "shop",
            true,
            &[(1, "one-v1")],
        ));
        let v2 = server.upload(
            &tar_gz_dir(&lookup_bundle(
                &tmp.path().join("b2"),
                "shop",
                true,
                &[(1, "one-v2")],
            )),
            "activate=false",
        );
        assert_eq!(v2.status, 200, "{}", v2.text);
        let before = observe(&server, "shop");
        assert_eq!(before.answer.1, "v1");
        server.kill();

        kill_paused(&data, point, |server| {
            server.admin_in_background(
                "POST",
                "services/shop/actions/switchTo/v2",
                Some(b"{}".to_vec()),
                None,
            )
        });

        let server = Plinth::start(&data);
        let seen = observe(&server, "shop");
        let mut after = before.clone();
        for g in after.generations.as_mut().unwrap() {
            g.active = g.id == "v2";
        }
        after.answer = (200, "v2".to_owned(), "one-v2".to_owned());
        let outcome = if seen == before {
            Outcome::Before
        } else if seen == after {
            Outcome::After
        } else {
            panic!(
                "{context}: neither before nor after\n before: {before:?}\n  after: {after:?}\n    now: {seen:?}"
            );
        };
        assert_eq!(outcome, expected, "{context}");
        assert_files_consistent(&server, &context);
        let switched = server.admin_post("services/shop/actions/switchTo/v1", &json!({}));
        assert_eq!(switched.status, 200, "{context}: {}", switched.text);
        assert_eq!(observe(&server, "shop").answer.1, "v1", "{context}");
    }
}

#[test]
fn a_service_deletion_killed_before_removing_its_files_leaves_nothing_in_the_way() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = Plinth::start(&data);
    server.deploy(&lookup_bundle(
        &tmp.path().join("b1"),
        "shop",
        true,
        &[(1, "one-v1")],
    ));
    server.kill();

    kill_paused(&data, "delete-recorded", |server| {
        server.admin_in_background("DELETE", "services/shop", None, None)
    });

    let server = Plinth::start(&data);
    assert_eq!(
        observe(&server, "shop").generations,
        None,
        "the deletion was recorded"
    );
    assert_files_consistent(&server, "deletion killed before removing the files");
    // A new service of the same id starts again at v1, in a fresh directory.
    let again = lookup_bundle(&tmp.path().join("b2"), "shop", true, &[(1, "one-again")]);
    assert_eq!(server.deploy(&again)["generation"], "v1");
    assert_eq!(
        observe(&server, "shop").answer,
        (200, "v1".to_owned(), "one-again".to_owned())
    );
    assert_same_files(&again, &data.join("bundles/shop/v1"));
}

/// A small deterministic generator (xorshift64*), seeded from the clock or
/// `PLINTH_CRASH_SEED` to replay a failure.
struct Random(u64);

impl Random {
    fn new() -> Random {
        let seed = std::env::var("PLINTH_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            })
            | 1;
        eprintln!("random kill delays: PLINTH_CRASH_SEED={seed}");
        Random(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound.max(1)
    }
}

/// A lookup bundle of `rows` rows plus `files` filler files of 16 KiB, so that staging, the
/// move and the load each take a while.
fn large_bundle(dir: &Path, label: &str, rows: i64, files: usize) -> std::path::PathBuf {
    let labels: Vec<(i64, String)> = (1..=rows)
        .map(|i| {
            (
                i,
                if i == 1 {
                    label.to_owned()
                } else {
                    format!("row-{i}")
                },
            )
        })
        .collect();
    let borrowed: Vec<(i64, &str)> = labels.iter().map(|(i, l)| (*i, l.as_str())).collect();
    lookup_bundle(dir, "shop", true, &borrowed);
    std::fs::create_dir_all(dir.join("filler")).unwrap();
    for i in 0..files {
        let bytes: Vec<u8> = (0..16 * 1024).map(|j| ((i * 31 + j) % 251) as u8).collect();
        std::fs::write(dir.join("filler").join(format!("f{i:04}.bin")), bytes).unwrap();
    }
    dir.to_owned()
}

#[test]
fn kills_at_random_moments_of_deploys_never_leave_half_a_generation() {
    const ROUNDS: usize = 8;
    let started = Instant::now();
    let mut random = Random::new();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = Plinth::start(&data);
    server.deploy(&lookup_bundle(
        &tmp.path().join("b0"),
        "shop",
        true,
        &[(1, "one-v1")],
    ));

    // How long one deploy of the large bundle takes here, to spread the kills over it.
    let timed = large_bundle(&tmp.path().join("timed"), "one-timed", 50_000, 150);
    let clock = Instant::now();
    server.deploy(&timed);
    let deploy_time = clock.elapsed();
    eprintln!("one deploy of the large bundle: {deploy_time:?}");

    let mut outcomes = Vec::new();
    let mut server = server;
    for round in 0..ROUNDS {
        let activate = round % 2 == 0;
        let label = format!("one-round{round}");
        let bundle = large_bundle(&tmp.path().join(format!("r{round}")), &label, 50_000, 150);
        let before = observe(&server, "shop");
        let new_id = format!("v{}", before.generations.as_ref().unwrap().len() + 1);
        let delay = Duration::from_micros(random.below(deploy_time.as_micros() as u64 * 5 / 4));
        let context = format!("round {round}: deploy of {new_id} killed after {delay:?}");
        let pending = server.admin_in_background(
            "POST",
            &format!("deploy?activate={activate}"),
            Some(tar_gz_dir(&bundle)),
            OCTET_STREAM,
        );
        std::thread::sleep(delay);
        server.kill();
        let answered = pending.join().unwrap();

        server = Plinth::start(&data);
        let seen = observe(&server, "shop");
        let outcome = classify_deploy(&context, &before, &seen, &new_id, activate, &label);
        if let Ok(answer) = &answered
            && answer.status == 200
        {
            assert_eq!(
                outcome,
                Outcome::After,
                "{context}: the deploy was answered as done but did not survive"
            );
        }
        assert_files_consistent(&server, &context);
        if outcome == Outcome::After {
            assert_same_files(&bundle, &data.join("bundles/shop").join(&new_id));
        }
        outcomes.push(outcome);
    }
    eprintln!("outcomes of the random kills: {outcomes:?}");

    let before = observe(&server, "shop");
    let expected = format!("v{}", before.generations.unwrap().len() + 1);
    let last = server.deploy(&lookup_bundle(
        &tmp.path().join("last"),
        "shop",
        true,
        &[(1, "one-last")],
    ));
    assert_eq!(last["generation"], expected.as_str());
    assert_eq!(
        observe(&server, "shop").answer,
        (200, expected, "one-last".to_owned())
    );
    assert_files_consistent(&server, "after the random kills");
    eprintln!("random kills: {:?}", started.elapsed());
}
