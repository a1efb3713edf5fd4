//! Running the served function: an instance per call (default) or a pool of warm instances,
//! under a wall-clock deadline (epoch interruption) and a memory cap. Blocking: call it from a
//! blocking thread.

use crate::config::Isolation;
use crate::grants::GrantedEndpoints;
use crate::host_state::HostState;
use crate::runtime::Runtime;
use plinth_engine_api::ApiError;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{ComponentExportIndex, Func, InstancePre, Val};
use wasmtime::{Store, Trap};

/// Everything needed to make instances of one endpoint's component and call its function.
pub struct Runner {
    /// The shared engine.
    pub runtime: Arc<Runtime>,
    /// The linked, type-checked component, ready to instantiate.
    pub pre: InstancePre<HostState>,
    /// The served function's export.
    pub index: ComponentExportIndex,
    /// Whether the function returns a value.
    pub has_result: bool,
    /// Grants and identity given to every instance.
    pub env: Arc<GrantedEndpoints>,
    /// The read-only resources folder, if any.
    pub resources: Option<PathBuf>,
    /// Memory cap in bytes.
    pub memory_cap: usize,
    /// Deadline of one call.
    pub timeout: Duration,
    /// Fresh or pooled instances.
    pub isolation: Isolation,
    /// Idle instances kept (pooled).
    pub pool_size: usize,
    /// Calls per instance before it is replaced (pooled).
    pub max_calls: u64,
    /// Idle warm instances.
    pub pool: Mutex<Vec<Warm>>,
}

/// A live instance and its store.
pub struct Warm {
    store: Store<HostState>,
    func: Func,
    calls: u64,
}

/// What a successful call gives back.
pub struct Returned {
    /// The function's result, if it declares one.
    pub value: Option<Val>,
    /// What the guest wrote to stdout during the call.
    pub stdout: String,
    /// What the guest wrote to stderr during the call.
    pub stderr: String,
}

impl Runner {
    /// A new instance in a new store. Instantiation runs under the call's deadline and cap.
    pub fn instantiate(&self) -> Result<Warm, ApiError> {
        let state = HostState::new(self.resources.as_deref(), self.memory_cap, self.env.clone())
            .map_err(|e| ApiError::internal("FunctionUnavailable", e))?;
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|s| &mut s.memory);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(self.runtime.ticks_for(self.timeout));
        let instance = match self.pre.instantiate(&mut store) {
            Ok(i) => i,
            Err(e) => return Err(self.failure(&e, store.data_mut(), "instantiating the function")),
        };
        let func = instance.get_func(&mut store, self.index).ok_or_else(|| {
            ApiError::internal("FunctionUnavailable", "the served export is not a function")
        })?;
        Ok(Warm {
            store,
            func,
            calls: 0,
        })
    }

    /// Calls the function with `args`. Host imports run on `runtime`.
    pub fn call(
        &self,
        args: &[Val],
        runtime: Option<tokio::runtime::Handle>,
    ) -> Result<Returned, ApiError> {
        let started = Instant::now();
        let pooled = self.isolation == Isolation::Pooled;
        let reused = if pooled {
            self.pool.lock().ok().and_then(|mut p| p.pop())
        } else {
            None
        };
        let mut warm = match reused {
            Some(w) => w,
            None => self.instantiate()?,
        };
        let remaining = self.timeout.saturating_sub(started.elapsed());
        {
            let state = warm.store.data_mut();
            state.deadline = Instant::now() + remaining;
            state.deadline_hit = false;
            state.memory.exceeded = false;
            state.runtime = runtime;
        }
        warm.store
            .set_epoch_deadline(self.runtime.ticks_for(remaining));
        let mut results = vec![Val::Bool(false); usize::from(self.has_result)];
        let outcome = warm.func.call(&mut warm.store, args, &mut results);
        let state = warm.store.data_mut();
        state.runtime = None;
        match outcome {
            Ok(()) => {
                let returned = Returned {
                    value: results.pop(),
                    stdout: state.stdout.take(),
                    stderr: state.stderr.take(),
                };
                warm.calls += 1;
                if pooled
                    && warm.calls < self.max_calls
                    && let Ok(mut pool) = self.pool.lock()
                    && pool.len() < self.pool_size
                {
                    pool.push(warm);
                }
                Ok(returned)
            }
            // The instance is dropped: after a trap it must not be entered again.
            Err(e) => Err(self.failure(&e, state, "the function")),
        }
    }

    /// Fills the pool with one warm instance, so the first pooled call does not pay for it.
    pub fn prewarm(&self) -> Result<(), ApiError> {
        if self.isolation == Isolation::Pooled && self.pool_size > 0 {
            let warm = self.instantiate()?;
            if let Ok(mut pool) = self.pool.lock() {
                pool.push(warm);
            }
        }
        Ok(())
    }

    /// The error for a failed instantiation or call: 504 past the deadline, 500 `OutOfMemory`
    /// beyond the cap, else 500 `FunctionFailed` with the guest's last words.
    fn failure(&self, error: &wasmtime::Error, state: &mut HostState, what: &str) -> ApiError {
        let stderr = state.stderr.take();
        let stdout = state.stdout.take();
        let trap = error.downcast_ref::<Trap>();
        let detail = format!(
            "{}{}{error:?}",
            labelled("stderr", &stderr),
            labelled("stdout", &stdout)
        );
        if trap == Some(&Trap::Interrupt) || state.deadline_hit {
            return ApiError::deadline(format!(
                "{what} did not finish within its deadline of {} ms",
                self.timeout.as_millis()
            ))
            .with_detail(detail);
        }
        if state.memory.exceeded {
            return ApiError::internal(
                "OutOfMemory",
                format!(
                    "{what} ran out of memory: it needed more than its cap of {} MiB (memory_mib)",
                    state.memory.cap() >> 20
                ),
            )
            .with_detail(detail);
        }
        let message = last_line(&stderr)
            .map(|line| format!("{what} failed: {line}"))
            .unwrap_or_else(|| match trap {
                Some(t) => format!("{what} trapped: {t}"),
                None => format!("{what} failed: {}", root_cause(error)),
            });
        ApiError::internal("FunctionFailed", message).with_detail(detail)
    }
}

fn labelled(name: &str, text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        format!("{name}:\n{}\n", text.trim_end())
    }
}

/// The guest's own account of the failure: the exception line of the last Python traceback
/// (`ValueError: boom`), else the last meaningful line it wrote.
fn last_line(stderr: &str) -> Option<&str> {
    if let Some(at) = stderr.rfind("Traceback (most recent call last):") {
        let exception = stderr[at..]
            .lines()
            .skip(1)
            .find(|l| !l.is_empty() && !l.starts_with(char::is_whitespace));
        if let Some(line) = exception {
            return Some(line.trim());
        }
    }
    stderr
        .lines()
        .map(str::trim)
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with("note:") && !l.starts_with("stack backtrace"))
}

fn root_cause(error: &wasmtime::Error) -> String {
    error
        .chain()
        .last()
        .map(|e| e.to_string())
        .unwrap_or_else(|| error.to_string())
}
