//! The process-wide wasmtime engine: pooling allocator with copy-on-write memory images, epoch
//! interruption driven by one ticker thread.

use crate::config::EngineSettings;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// The shared engine and the settings it was built with.
pub struct Runtime {
    /// The wasmtime engine (cheap to clone; shared by every function endpoint).
    pub engine: Engine,
    /// The settings in force (those of the first endpoint loaded in this process).
    pub settings: EngineSettings,
}

static RUNTIME: OnceLock<Result<Arc<Runtime>, String>> = OnceLock::new();

/// Core instances, memories and tables reserved per component instance: a Python component
/// instantiates about a dozen core modules.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 2;
const TABLES_PER_COMPONENT: u32 = 4;

impl Runtime {
    /// The process-wide runtime, created on first use with `settings`.
    pub fn get(settings: &EngineSettings) -> Result<Arc<Runtime>, String> {
        RUNTIME
            .get_or_init(|| Runtime::new(settings.clone()).map(Arc::new))
            .clone()
    }

    fn new(settings: EngineSettings) -> Result<Runtime, String> {
        let mut pool = PoolingAllocationConfig::new();
        let instances = settings.max_instances.max(1);
        pool.total_component_instances(instances)
            .total_core_instances(instances.saturating_mul(CORE_INSTANCES_PER_COMPONENT))
            .total_memories(instances.saturating_mul(MEMORIES_PER_COMPONENT))
            .total_tables(instances.saturating_mul(TABLES_PER_COMPONENT))
            .max_memory_size(usize::try_from(settings.max_memory_mib << 20).unwrap_or(usize::MAX))
            .table_elements(100_000)
            .max_core_instance_size(4 << 20)
            .max_component_instance_size(4 << 20)
            // Keep the first pages of each slot resident between uses: without this,
            // concurrent instantiation is slower than serial (see FACTS.md).
            .linear_memory_keep_resident(16 << 20)
            .table_keep_resident(1 << 20)
            .pagemap_scan(Enabled::Auto);
        let mut config = Config::new();
        config
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            .memory_init_cow(true)
            .epoch_interruption(true)
            .parallel_compilation(true);
        let engine = Engine::new(&config).map_err(|e| format!("wasmtime engine: {e:#}"))?;
        let ticker = engine.clone();
        let tick = Duration::from_millis(settings.epoch_tick_ms.max(1));
        std::thread::Builder::new()
            .name("plinth-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(tick);
                    ticker.increment_epoch();
                }
            })
            .map_err(|e| format!("epoch ticker thread: {e}"))?;
        Ok(Runtime { engine, settings })
    }

    /// Epoch ticks for a deadline of `timeout`: rounded up, plus one because the current tick
    /// may be almost over.
    pub fn ticks_for(&self, timeout: Duration) -> u64 {
        let tick = self.settings.epoch_tick_ms.max(1) as u128;
        (timeout.as_millis().div_ceil(tick) as u64).saturating_add(1)
    }
}
