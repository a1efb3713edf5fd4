//! What a store carries: the WASI context (no network, no environment, the read-only resource
//! folder), the memory cap, the captured output, and the per-call deadline.

use crate::capture::Tail;
use crate::grants::GrantedEndpoints;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

/// The data of one store (one instance).
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// The memory cap and whether the guest hit it.
    pub memory: MemoryCap,
    /// The guest's stdout.
    pub stdout: Tail,
    /// The guest's stderr.
    pub stderr: Tail,
    /// The sibling endpoints the guest may call, and who it is.
    pub env: Arc<GrantedEndpoints>,
    /// The current call's deadline (host imports give up at it).
    pub deadline: Instant,
    /// Set when a host import ran into the deadline.
    pub deadline_hit: bool,
    /// The async runtime on which host imports call sibling endpoints.
    pub runtime: Option<tokio::runtime::Handle>,
}

impl HostState {
    /// A fresh state: empty environment and arguments, no network, stdin closed, stdout and
    /// stderr captured, `resources` (if any) preopened read-only at `/resources`.
    pub fn new(
        resources: Option<&Path>,
        memory_cap: usize,
        env: Arc<GrantedEndpoints>,
    ) -> Result<HostState, String> {
        let stdout = Tail::new();
        let stderr = Tail::new();
        let mut builder = WasiCtx::builder();
        builder
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_blocking_current_thread(true)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        if let Some(dir) = resources {
            builder
                .preopened_dir(dir, "/resources", FsPerms::ReadOnly)
                .map_err(|e| format!("resources folder {}: {e:#}", dir.display()))?;
        }
        Ok(HostState {
            wasi: builder.build(),
            table: ResourceTable::new(),
            memory: MemoryCap::new(memory_cap),
            stdout,
            stderr,
            env,
            deadline: Instant::now(),
            deadline_hit: false,
            runtime: None,
        })
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A cap on the total size of an instance's linear memories. A growth beyond it fails (the
/// guest sees its own allocation failure, e.g. Python's `MemoryError`) and is remembered so
/// that the call is answered "out of memory".
pub struct MemoryCap {
    cap: usize,
    used: usize,
    /// Set when a growth was refused.
    pub exceeded: bool,
}

/// Table elements an instance may grow to (Python's function tables are large).
const MAX_TABLE_ELEMENTS: usize = 1_000_000;

impl MemoryCap {
    fn new(cap: usize) -> Self {
        MemoryCap {
            cap,
            used: 0,
            exceeded: false,
        }
    }

    /// The cap in bytes.
    pub fn cap(&self) -> usize {
        self.cap
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.used.saturating_sub(current).saturating_add(desired);
        if total > self.cap || maximum.is_some_and(|max| desired > max) {
            self.exceeded = true;
            return Ok(false);
        }
        self.used = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }
}
