//! `plinth dev [DIR]`: the local loop. Starts a local server (or uses the one at `--server`),
//! builds and deploys the bundle, then watches its files: every save rebuilds the components
//! (Python, JavaScript or Rust, as the bundle's `plinth-build.toml` says) and deploys a new
//! generation, printing the build's errors, the deploy and the new generation's first answer
//! to `--call`. A broken save (a build or a deploy the server refuses) leaves the last good
//! generation serving.
//!
//! Watching is a poll of the bundle's file times and sizes every 100 ms, then 200 ms of quiet,
//! so that an editor's save-in-several-writes yields one rebuild: a bundle is a handful of
//! files, the poll costs nothing measurable, and it works the same on every file system
//! (network mounts and containers' bind mounts included, where inotify does not).

use crate::Remote;
use crate::admin_client::AdminClient;
use anyhow::{Context, anyhow, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// `plinth dev`.
#[derive(clap::Args)]
pub struct DevArgs {
    /// The bundle (project) directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// After each deploy, call this endpoint of the service and print its answer:
    /// `ENDPOINT` (a function's `run`) or `ENDPOINT/ACTION` (`predict`, `lookup`, `query`...).
    #[arg(long)]
    call: Option<String>,
    /// The JSON body of that call (default `{}`).
    #[arg(long, default_value = "{}")]
    body: String,
    /// Where the local server listens when `plinth dev` starts one.
    #[arg(long, default_value = "127.0.0.1:11300")]
    listen: String,
    /// Deploy to this running server instead of starting one.
    #[arg(long, env = "PLINTH_SERVER")]
    server: Option<String>,
    /// The data directory of a server started here (default: one per bundle directory under
    /// the user's Plinth cache, so that generations survive a restart of `plinth dev`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Its admin key (a server started here gets a random one unless this is set).
    #[arg(long, env = "PLINTH_ADMIN_KEY", hide_env_values = true)]
    admin_key: Option<String>,
}

/// How long the files must stay unchanged after a change before the rebuild starts.
const QUIET: Duration = Duration::from_millis(200);
/// How often the files are looked at while nothing changes.
const POLL: Duration = Duration::from_millis(100);
/// How often they are looked at during the quiet period.
const SETTLE: Duration = Duration::from_millis(50);

/// Runs the loop until interrupted.
pub fn run(args: DevArgs) -> anyhow::Result<()> {
    let dir = std::path::absolute(&args.dir)?;
    if !dir.join("plinth.toml").is_file() {
        bail!(
            "{} has no plinth.toml: run plinth dev in a bundle directory",
            dir.display()
        );
    }
    let body: Value = serde_json::from_str(&args.body).context("--body is not JSON")?;
    let (remote, _server) = server(&args)?;
    let client = AdminClient::new(&remote)?;
    let mut seen = snapshot(&dir);
    let mut good: Option<String> = None;
    cycle(&dir, &remote, &client, &args, &body, &mut good);
    println!("plinth dev: watching {} (Ctrl-C to stop)", dir.display());
    loop {
        std::thread::sleep(POLL);
        let now = snapshot(&dir);
        if now == seen {
            continue;
        }
        // Wait until the editor has finished writing.
        let mut settled = now;
        let mut since = Instant::now();
        while since.elapsed() < QUIET {
            std::thread::sleep(SETTLE);
            let again = snapshot(&dir);
            if again != settled {
                settled = again;
                since = Instant::now();
            }
        }
        seen = settled;
        println!("plinth dev: change detected");
        // A save during the build is seen at the next poll (it differs from `seen`).
        cycle(&dir, &remote, &client, &args, &body, &mut good);
    }
}

/// One build, deploy and call. Failures are printed; `good` keeps the serving generation.
fn cycle(
    dir: &Path,
    remote: &Remote,
    client: &AdminClient,
    args: &DevArgs,
    body: &Value,
    good: &mut Option<String>,
) {
    let keep = |good: &Option<String>| match good {
        Some(g) => format!("generation {g} keeps serving"),
        None => "nothing is deployed yet".to_owned(),
    };
    let started = Instant::now();
    if let Err(e) = crate::function_dev::build_project(dir) {
        println!("plinth dev: build failed: {e:#}; {}", keep(good));
        return;
    }
    let built_ms = started.elapsed().as_millis();
    match deploy(client, dir) {
        Ok((service, generation)) => {
            println!(
                "plinth dev: {service} generation {generation} serving (build and deploy {} ms, build {built_ms} ms)",
                started.elapsed().as_millis()
            );
            *good = Some(generation);
            if let Some(call) = &args.call {
                first_answer(remote, &service, call, body);
            }
        }
        Err(e) => println!("plinth dev: deploy refused: {e:#}; {}", keep(good)),
    }
}

/// Uploads the bundle as a new, activated generation; returns its service and generation.
fn deploy(client: &AdminClient, dir: &Path) -> anyhow::Result<(String, String)> {
    let archive = tempfile::NamedTempFile::new()?;
    crate::deploy::pack(dir, archive.as_file())?;
    let mut file = std::fs::File::open(archive.path())?;
    let outcome = client.post_stream("deploy?activate=true", &mut file)?;
    let field = |name: &str| {
        outcome[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the deploy answer has no {name}: {outcome}"))
    };
    Ok((field("serviceId")?, field("generation")?))
}

/// Calls the endpoint once and prints the answer.
fn first_answer(remote: &Remote, service: &str, call: &str, body: &Value) {
    let (endpoint, action) = call.split_once('/').unwrap_or((call, "run"));
    let url = format!(
        "{}/public/api/v1/{service}/{endpoint}/{action}",
        remote.server.trim_end_matches('/')
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut request = agent.post(&url);
    if let Some(key) = &remote.admin_key {
        request = request.header("Authorization", &format!("Bearer {key}"));
    }
    match request.send_json(body) {
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.into_body().read_to_string().unwrap_or_default();
            println!("plinth dev: {call} answered {status}: {}", text.trim());
        }
        Err(e) => println!("plinth dev: {call} failed: {e}"),
    }
}

/// The server to deploy to: `--server` (it must answer), else one started here (stopped when
/// `plinth dev` ends) on a data directory of this bundle's own in the user's cache.
fn server(args: &DevArgs) -> anyhow::Result<(Remote, Option<ChildGuard>)> {
    if let Some(server) = &args.server {
        if !alive(server) {
            bail!("no Plinth server answers at {server}");
        }
        println!("plinth dev: using the server at {server}");
        let remote = Remote {
            server: server.clone(),
            admin_key: args.admin_key.clone(),
        };
        return Ok((remote, None));
    }
    let key = args
        .admin_key
        .clone()
        .unwrap_or_else(plinth_server::auth::generate_key);
    let data = match &args.data_dir {
        Some(d) => d.clone(),
        None => crate::function_dev::cache_dir()
            .join("dev")
            .join(dir_tag(&std::path::absolute(&args.dir)?)),
    };
    std::fs::create_dir_all(&data)?;
    let mut command = Command::new(std::env::current_exe()?);
    stop_with_parent(&mut command);
    let child = command
        .args([
            "serve",
            "--no-examples",
            "--listen",
            &args.listen,
            "--data-dir",
        ])
        .arg(&data)
        .env("PLINTH_ADMIN_KEY", &key)
        .env(
            "PLINTH_LOG",
            std::env::var("PLINTH_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .spawn()
        .context("starting the local server")?;
    let guard = ChildGuard(child);
    let url = format!("http://{}", args.listen);
    let waited = Instant::now();
    while !alive(&url) {
        if waited.elapsed() > Duration::from_secs(60) {
            bail!("the local server did not answer at {url} within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "plinth dev: started a server (pid {}) at {url} (data in {}; admin key: {key})",
        guard.0.id(),
        data.display()
    );
    Ok((
        Remote {
            server: url,
            admin_key: Some(key),
        },
        Some(guard),
    ))
}

fn alive(base: &str) -> bool {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    agent
        .get(format!("{}/isAlive", base.trim_end_matches('/')))
        .call()
        .is_ok_and(|r| r.status().is_success())
}

/// Asks Linux to send the server SIGTERM when `plinth dev` dies, however it dies (a `kill`
/// of `plinth dev` alone, which runs no destructor, included).
#[cfg(target_os = "linux")]
fn stop_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: the closure runs in the forked child before exec and only calls prctl, which is
    // async-signal-safe; it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn stop_with_parent(_command: &mut Command) {}

/// Kills the server `plinth dev` started when it ends.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A short name for the bundle directory's data (its path's SHA-256, 16 hex digits).
fn dir_tag(dir: &Path) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(dir.as_os_str().as_encoded_bytes());
    hex::encode(&digest[..8])
}

/// Every watched file's modification time and size. Left out: the build's outputs (as the
/// build file names them now), Python's caches, VCS and dependency directories.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    let outputs = crate::function_dev::build_outputs(dir).unwrap_or_default();
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if matches!(
                name.as_ref(),
                "__pycache__" | ".git" | "target" | "node_modules" | ".venv"
            ) || name.ends_with('~')
                || name.starts_with(".#")
                || outputs.contains(&path)
            {
                continue;
            }
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.is_dir() {
                stack.push(path);
            } else {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                files.insert(path, (modified, meta.len()));
            }
        }
    }
    files
}
