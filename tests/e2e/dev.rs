//! `plinth dev` on a scaffolded function in each guest language (Python, JavaScript, Rust): it
//! starts a server, builds and deploys; after an edit of the source the next call answers the
//! new code within the cycle's build and deploy time plus 1 s; a broken save prints the
//! compiler's error and leaves the last good generation serving. The tools come from the
//! user's cache (componentize-py's venv, componentize-qjs's npm folder and the guest target
//! directory the examples' set-up makes), installed there on first use.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_plinth");

/// The `plinth dev` process, and the server it started (killed with it).
struct Dev {
    child: Child,
    server_pid: Option<u32>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Dev {
    /// Waits for a line containing `needle`; returns it.
    fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    eprintln!("dev> {line}");
                    if self.server_pid.is_none() {
                        self.server_pid = line
                            .split("(pid ")
                            .nth(1)
                            .and_then(|r| r.split(')').next())
                            .and_then(|p| p.parse().ok());
                    }
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within {timeout:?}; output:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(pid) = self.server_pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn call(base: &str) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .post(format!("{base}/public/api/v1/adder/adder/run"))
        .send_json(json!({"a": 2, "b": 3}))
        .expect("the call");
    assert_eq!(response.status().as_u16(), 200);
    response.body_mut().read_json().unwrap()
}

/// The `N` of "build and deploy N ms".
fn cycle_ms(line: &str) -> u64 {
    line.split("build and deploy ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no cycle time in {line:?}"))
}

fn edit(app: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(app).unwrap();
    assert!(text.contains(from), "{text}");
    std::fs::write(app, text.replace(from, to)).unwrap();
}

/// One language's loop: the scaffolded source, an edit and the answer it gives to a=2, b=3,
/// a broken save and what its compiler prints.
struct Case {
    lang: &'static str,
    source: &'static str,
    add: &'static str,
    edited: &'static str,
    answer: i64,
    broken: &'static str,
    error: &'static str,
}

/// The builds share the machine's cores; one loop at a time keeps each cycle's time its own.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn python_edit_is_served_and_a_syntax_error_keeps_the_last_good_generation() {
    dev_loop(&Case {
        lang: "python",
        source: "app.py",
        add: "return a + b",
        edited: "return a * b + 100",
        answer: 106,
        broken: "return a * b +",
        error: "SyntaxError",
    });
}

#[test]
fn javascript_edit_is_served_and_a_syntax_error_keeps_the_last_good_generation() {
    dev_loop(&Case {
        lang: "javascript",
        source: "app.js",
        add: "return a + b;",
        edited: "return a * b;",
        answer: 6,
        broken: "return a * ;",
        error: "unexpected token",
    });
}

#[test]
fn rust_edit_is_served_and_a_compile_error_keeps_the_last_good_generation() {
    dev_loop(&Case {
        lang: "rust",
        source: "src/lib.rs",
        add: "a.wrapping_add(b)",
        edited: "a * b + 100",
        answer: 106,
        broken: "a * b +",
        error: "expected expression",
    });
}

fn dev_loop(case: &Case) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let status = Command::new(BIN)
        .args(["new", "function", "--lang", case.lang, "adder"])
        .current_dir(work.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let project = work.path().join("adder");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .arg("dev")
        .arg(&project)
        .args(["--call", "adder", "--body", r#"{"a": 2, "b": 3}"#])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(work.path().join("data"))
        .env_remove("PLINTH_SERVER")
        .env_remove("PLINTH_ADMIN_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut dev = Dev {
        child,
        server_pid: None,
        lines,
        seen: Vec::new(),
    };
    // The first build may install the language's tools (a venv, npm packages, a target).
    dev.wait_for("generation v1 serving", Duration::from_secs(600));
    let first = dev.wait_for("adder answered", Duration::from_secs(60));
    assert!(first.contains(r#""response":5"#), "{first}");
    dev.wait_for("watching", Duration::from_secs(10));

    // An edit: the next call answers the new code within the cycle's time plus 1 s.
    let source = project.join(case.source);
    edit(&source, case.add, case.edited);
    let saved = Instant::now();
    let answered = loop {
        if call(&base)["response"] == case.answer {
            break saved.elapsed();
        }
        assert!(
            saved.elapsed() < Duration::from_secs(300),
            "the edit was not served"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let serving = dev.wait_for("generation v2 serving", Duration::from_secs(30));
    let cycle = Duration::from_millis(cycle_ms(&serving));
    eprintln!(
        "{}: answered the edit after {answered:?}; build and deploy took {cycle:?}",
        case.lang
    );
    assert!(
        answered <= cycle + Duration::from_secs(1),
        "answered after {answered:?}, the build and deploy took {cycle:?}"
    );
    let second = dev.wait_for("adder answered", Duration::from_secs(30));
    assert!(
        second.contains(&format!(r#""response":{}"#, case.answer)),
        "{second}"
    );

    // A broken save: the compiler's error is printed, v2 keeps serving.
    let printed_before = dev.seen.len();
    edit(&source, case.edited, case.broken);
    let failed = dev.wait_for("build failed", Duration::from_secs(300));
    assert!(failed.contains("generation v2 keeps serving"), "{failed}");
    assert!(
        dev.seen[printed_before..]
            .iter()
            .any(|l| l.contains(case.error)),
        "no {} printed:\n{}",
        case.error,
        dev.seen.join("\n")
    );
    let still = call(&base);
    assert_eq!(still["response"], case.answer, "{still}");
    assert_eq!(still["apiContext"]["serviceGeneration"], "v2", "{still}");
}
