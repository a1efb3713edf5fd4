//! Shared support for the end-to-end tests: start the real `plinth` binary on a free loopback
//! port with its own data directory, call it over HTTP, and build bundles.

#![allow(dead_code)]

pub mod apres;
pub mod webhooks;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The admin key every test server accepts.
pub const ADMIN_KEY: &str = "e2e-admin-key-0123456789";

/// A running `plinth serve`.
pub struct Plinth {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its data directory.
    pub data_dir: PathBuf,
    agent: ureq::Agent,
    /// The pause points reached, when started with `pause_at`.
    paused: Option<std::sync::Mutex<mpsc::Receiver<String>>>,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    /// `errorType` of an error body.
    pub fn error_type(&self) -> String {
        self.json()["errorType"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Options for starting a server.
#[derive(Default, Clone)]
pub struct Options {
    /// Deploy the repository's `examples/` on first run.
    pub examples: bool,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Extra command-line arguments.
    pub args: Vec<String>,
    /// Start with the test hook `PLINTH_TEST_PAUSE_AT` set to this point (see
    /// `host/server/src/runtime/test_hook.rs`); [`Plinth::wait_paused`] waits until it is reached.
    pub pause_at: Option<String>,
}

/// The line the server's test hook prints to stderr before pausing.
const PAUSED_MARKER: &str = "plinth test hook: paused at ";

impl Plinth {
    /// Starts a server on `data_dir` without examples.
    pub fn start(data_dir: &Path) -> Plinth {
        Plinth::start_with(data_dir, Options::default())
    }

    /// Starts a server with options.
    pub fn start_with(data_dir: &Path, options: Options) -> Plinth {
        let mut command = Command::new(env!("CARGO_BIN_EXE_plinth"));
        command
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .env("PLINTH_ADMIN_KEY", ADMIN_KEY)
            .env("PLINTH_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if options.examples {
            command
                .arg("--examples-dir")
                .arg(repo_root().join("examples"));
        } else {
            command.arg("--no-examples");
        }
        for (k, v) in &options.env {
            command.env(k, v);
        }
        command.args(&options.args);
        if let Some(point) = &options.pause_at {
            command
                .env("PLINTH_TEST_PAUSE_AT", point)
                .stderr(Stdio::piped());
        }
        let mut child = command.spawn().expect("start plinth");
        let paused = child.stderr.take().map(|stderr| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    eprintln!("{line}");
                    if let Some(point) = line.strip_prefix(PAUSED_MARKER) {
                        let _ = tx.send(point.trim().to_owned());
                    }
                }
            });
            std::sync::Mutex::new(rx)
        });
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("plinth listening on ") {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("plinth did not start within 120 s");
            }
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Plinth {
            child,
            base,
            data_dir: data_dir.to_owned(),
            agent,
            paused,
        }
    }

    /// Waits until the server reports that it paused at its `pause_at` point; panics after
    /// `timeout`.
    pub fn wait_paused(&self, timeout: Duration) -> String {
        let paused = self
            .paused
            .as_ref()
            .expect("wait_paused needs a server started with pause_at");
        paused
            .lock()
            .unwrap()
            .recv_timeout(timeout)
            .unwrap_or_else(|_| {
                panic!("the server did not reach its pause point within {timeout:?}")
            })
    }

    /// Stops the server (SIGKILL: a restart test must survive the harshest stop).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the server to stop (SIGTERM, as Kubernetes does) and waits up to `limit` for it to
    /// exit; returns whether it exited with success and how long it took.
    pub fn terminate(mut self, limit: Duration) -> (bool, Duration) {
        let started = std::time::Instant::now();
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for plinth") {
                return (status.success(), started.elapsed());
            }
            assert!(
                started.elapsed() < limit,
                "plinth did not exit within {limit:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory, KiB (`VmRSS` of `/proc/PID/status`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// `host:port` of the server.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with optional Authorization header and raw body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: Option<&[u8]>,
        content_type: Option<&str>,
    ) -> Answer {
        try_call(
            &self.agent,
            &self.url(path),
            method,
            authorization,
            body,
            content_type,
        )
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// An admin request run on another thread; its result is `Err` when no answer came (the
    /// server was killed meanwhile).
    pub fn admin_in_background(
        &self,
        method: &'static str,
        path: &str,
        body: Option<Vec<u8>>,
        content_type: Option<&'static str>,
    ) -> std::thread::JoinHandle<Result<Answer, String>> {
        let agent = self.agent.clone();
        let url = self.url(&format!("/admin/api/{path}"));
        std::thread::spawn(move || {
            try_call(
                &agent,
                &url,
                method,
                Some(&basic(ADMIN_KEY)),
                body.as_deref(),
                content_type,
            )
        })
    }

    /// GET without credentials.
    pub fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None, None, None)
    }

    /// POST a JSON value without credentials and without Content-Type (as the Dataiku client).
    pub fn post(&self, path: &str, body: &Value) -> Answer {
        self.call("POST", path, None, Some(body.to_string().as_bytes()), None)
    }

    /// Admin GET.
    pub fn admin_get(&self, path: &str) -> Answer {
        self.call(
            "GET",
            &format!("/admin/api/{path}"),
            Some(&basic(ADMIN_KEY)),
            None,
            None,
        )
    }

    /// Admin POST with a JSON body.
    pub fn admin_post(&self, path: &str, body: &Value) -> Answer {
        self.call(
            "POST",
            &format!("/admin/api/{path}"),
            Some(&basic(ADMIN_KEY)),
            Some(body.to_string().as_bytes()),
            None,
        )
    }

    /// Admin DELETE.
    pub fn admin_delete(&self, path: &str) -> Answer {
        self.call(
            "DELETE",
            &format!("/admin/api/{path}"),
            Some(&basic(ADMIN_KEY)),
            None,
            None,
        )
    }

    /// Uploads a bundle archive (bytes) to `/admin/api/deploy`.
    pub fn upload(&self, archive: &[u8], query: &str) -> Answer {
        self.call(
            "POST",
            &format!("/admin/api/deploy?{query}"),
            Some(&basic(ADMIN_KEY)),
            Some(archive),
            Some("application/octet-stream"),
        )
    }

    /// Packs and uploads a bundle directory, activating it; panics unless it deploys.
    pub fn deploy(&self, dir: &Path) -> Value {
        let answer = self.upload(&tar_gz_dir(dir), "activate=true");
        assert_eq!(answer.status, 200, "deploy failed: {}", answer.text);
        answer.json()
    }

    /// `POST .../lookup` for one id; returns the answer.
    pub fn lookup(&self, service: &str, id: i64) -> Answer {
        self.post(
            &format!("/public/api/v1/{service}/items/lookup"),
            &serde_json::json!({"data": {"id": id}}),
        )
    }
}

impl Drop for Plinth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request; `Err` when no HTTP answer came.
fn try_call(
    agent: &ureq::Agent,
    url: &str,
    method: &str,
    authorization: Option<&str>,
    body: Option<&[u8]>,
    content_type: Option<&str>,
) -> Result<Answer, String> {
    let mut builder = http::Request::builder().method(method).uri(url);
    if let Some(a) = authorization {
        builder = builder.header("Authorization", a);
    }
    if let Some(c) = content_type {
        builder = builder.header("Content-Type", c);
    }
    let response = match body {
        Some(bytes) => agent.run(builder.body(bytes.to_vec()).unwrap()),
        None => agent.run(builder.body(()).unwrap()),
    }
    .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.into_body().read_to_string().unwrap_or_default();
    Ok(Answer {
        status,
        headers,
        text,
    })
}

/// `Basic base64("KEY:")`, what the Dataiku client sends.
pub fn basic(key: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Writes a lookup bundle: service `service`, endpoint `items`, key `id`, column `label`,
/// with the given rows. `public` sets the manifest's flag.
pub fn lookup_bundle(dir: &Path, service: &str, public: bool, rows: &[(i64, &str)]) -> PathBuf {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(
        dir.join("plinth.toml"),
        format!(
            "[service]\nid = \"{service}\"\npublic = {public}\n\n[[endpoint]]\nid = \"items\"\nkind = \"lookup\"\ndataset = \"data/items.csv\"\nkeys = [\"id\"]\ncolumns = [\"label\"]\n"
        ),
    )
    .unwrap();
    let mut csv = String::from("id,label\n");
    for (id, label) in rows {
        csv.push_str(&format!("{id},{label}\n"));
    }
    std::fs::write(dir.join("data/items.csv"), csv).unwrap();
    dir.to_owned()
}

/// A .tar.gz of a directory's content.
pub fn tar_gz_dir(dir: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    builder.append_dir_all(".", dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

/// A .tar.gz with raw entry names (bypassing the tar crate's own path checks), to play a
/// hostile archive.
pub fn raw_tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// For a call to a [`lookup_bundle`] whose row 1 is labelled `one-<generation>`: the
/// generation that answered, or what was wrong (a failed call, data from another generation
/// than the envelope names).
pub fn consistent_generation(answer: &Answer) -> Result<String, String> {
    if answer.status != 200 {
        return Err(format!("{} {}", answer.status, answer.text));
    }
    let body = answer.json();
    let generation = body["apiContext"]["serviceGeneration"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let label = body["results"][0]["data"]["label"]
        .as_str()
        .unwrap_or_default();
    if label != format!("one-{generation}") {
        return Err(format!("{generation} answered {label}"));
    }
    Ok(generation)
}

/// The generation that answered a user call.
pub fn generation_of(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["apiContext"]["serviceGeneration"]
        .as_str()
        .unwrap()
        .to_owned()
}
