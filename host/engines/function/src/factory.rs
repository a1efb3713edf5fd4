//! Loading a function endpoint at deploy: compile (or read the cached compilation), check
//! imports against grants, find and type the served export, link, and instantiate once to
//! prove it runs under its cap.

use crate::cache;
use crate::config::{EngineSettings, FunctionConfig, Isolation};
use crate::endpoint::FunctionEndpoint;
use crate::grants::{GrantedEndpoints, check_imports};
use crate::imports;
use crate::runner::Runner;
use crate::runtime::Runtime;
use crate::signature::Signature;
use async_trait::async_trait;
use plinth_engine_api::{Endpoint, EngineFactory, LoadContext, LoadError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::Linker;

/// Longest deadline an endpoint may ask for.
const MAX_TIMEOUT_MS: u64 = 10 * 60 * 1000;

/// The factory of `kind = "function"` endpoints.
#[derive(Clone, Copy, Debug, Default)]
pub struct FunctionFactory;

#[async_trait]
impl EngineFactory for FunctionFactory {
    fn kind(&self) -> &'static str {
        crate::KIND
    }

    async fn load(&self, ctx: LoadContext) -> Result<Arc<dyn Endpoint>, LoadError> {
        Ok(Arc::new(load(ctx).await?))
    }
}

/// Loads one function endpoint (the concrete type, for the CLI and tests).
pub async fn load(ctx: LoadContext) -> Result<FunctionEndpoint, LoadError> {
    let config: FunctionConfig = ctx.parse_config()?;
    let settings: EngineSettings = ctx.server.engine_settings(crate::KIND)?;
    if config.timeout_ms == 0 || config.timeout_ms > MAX_TIMEOUT_MS {
        return Err(LoadError::field(
            "timeout_ms",
            format!(
                "must be between 1 and {MAX_TIMEOUT_MS}, found {}",
                config.timeout_ms
            ),
        ));
    }
    if config.memory_mib == 0 || config.memory_mib > settings.max_memory_mib {
        return Err(LoadError::field(
            "memory_mib",
            format!(
                "must be between 1 and {} (the server's [engines.function] max_memory_mib), found {}",
                settings.max_memory_mib, config.memory_mib
            ),
        ));
    }
    if config.isolation == Isolation::Pooled && config.max_calls_per_instance == 0 {
        return Err(LoadError::field(
            "max_calls_per_instance",
            "must be at least 1",
        ));
    }
    let path = ctx.artifact("component", &config.component)?;
    let resources = resources_dir(&ctx, config.resources.as_deref())?;
    let granted = Arc::new(GrantedEndpoints::resolve(&config.grants, &ctx)?);
    let runtime = Runtime::get(&settings).map_err(LoadError::general)?;

    let engine = runtime.engine.clone();
    let cache_dir = settings.disk_cache.then(|| {
        settings
            .cache_dir
            .clone()
            .or_else(|| std::env::var_os("PLINTH_FUNCTION_CACHE").map(PathBuf::from))
            .unwrap_or_else(|| ctx.server.cache_dir.join(crate::KIND))
    });
    let compiled = tokio::task::spawn_blocking(move || {
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        cache::compile(&engine, &bytes, cache_dir.as_deref())
            .map_err(|e| format!("is not a valid WebAssembly component: {e}"))
    })
    .await
    .map_err(|e| LoadError::general(format!("compiling the component: {e}")))?
    .map_err(|e| LoadError::field("component", e))?;
    tracing::info!(
        service = ctx.service_id,
        endpoint = ctx.endpoint_id,
        source = ?compiled.source,
        millis = compiled.millis as u64,
        "function component ready"
    );
    let component = compiled.component.clone();

    check_imports(&runtime.engine, &component, &granted)?;
    let signature = Signature::find(
        &runtime.engine,
        &component,
        config.function.as_deref(),
        &ctx.endpoint_id,
        config.call,
    )
    .map_err(|(field, message)| match field {
        Some(f) => LoadError::field(f, message),
        None => LoadError::general(message),
    })?;

    let mut linker = Linker::new(&runtime.engine);
    imports::add_to_linker(
        &mut linker,
        granted.log,
        !granted.lookup.is_empty(),
        !granted.query.is_empty(),
        !granted.predict.is_empty(),
    )
    .map_err(|e| LoadError::general(format!("host interfaces: {e:#}")))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|e| LoadError::field("component", format!("cannot be linked: {e:#}")))?;

    let runner = Arc::new(Runner {
        runtime: runtime.clone(),
        pre,
        index: signature.index,
        has_result: signature.result.is_some(),
        env: granted,
        resources,
        memory_cap: usize::try_from(config.memory_mib << 20).unwrap_or(usize::MAX),
        timeout: Duration::from_millis(config.timeout_ms),
        isolation: config.isolation,
        pool_size: config.pool_size,
        max_calls: config.max_calls_per_instance,
        pool: Mutex::new(Vec::new()),
    });
    // One instantiation at deploy: a component that cannot start under its cap fails here.
    let trial = runner.clone();
    tokio::task::spawn_blocking(move || match trial.isolation {
        Isolation::Pooled => trial.prewarm(),
        Isolation::PerRequest => trial.instantiate().map(drop),
    })
    .await
    .map_err(|e| LoadError::general(format!("instantiating the component: {e}")))?
    .map_err(|e| {
        LoadError::field(
            "component",
            format!("cannot be instantiated: {}", e.message),
        )
    })?;

    Ok(FunctionEndpoint {
        runner,
        signature,
        style: config.call,
        compile_source: compiled.source,
        compile_millis: compiled.millis,
        _component: component,
    })
}

/// The read-only folder the guest sees as `/resources`: the manifest's `resources`, else the
/// bundle's `resources/` folder when there is one.
fn resources_dir(
    ctx: &LoadContext,
    configured: Option<&str>,
) -> Result<Option<PathBuf>, LoadError> {
    match configured {
        Some(rel) => {
            let dir = ctx.artifact("resources", rel)?;
            if !dir.is_dir() {
                return Err(LoadError::field(
                    "resources",
                    format!("'{rel}' is not a folder"),
                ));
            }
            Ok(Some(dir))
        }
        None => {
            let dir = ctx.bundle_root.join("resources");
            Ok(dir.is_dir().then_some(dir))
        }
    }
}
