//! The engine registry: which factory loads which endpoint `kind`.
//!
//! Adding an endpoint kind means one crate under `host/engines/` and one line in
//! [`builtin_factories`].

use plinth_engine_api::EngineFactory;
use std::collections::HashMap;
use std::sync::Arc;

/// Every engine factory compiled into this server, by manifest `kind`.
#[allow(clippy::vec_init_then_push)] // one independent `push` line per engine
pub fn builtin_factories() -> Vec<Arc<dyn EngineFactory>> {
    // One line per engine crate (keep this list sorted by kind).
    let mut factories: Vec<Arc<dyn EngineFactory>> = Vec::new();
    factories.push(Arc::new(plinth_engine_function::FunctionFactory));
    factories.push(Arc::new(plinth_engine_lookup::LookupFactory::default()));
    factories.push(Arc::new(plinth_engine_prediction::PredictionFactory));
    factories.push(Arc::new(plinth_engine_sql::SqlFactory::default()));
    factories
}

/// Factories indexed by kind.
#[derive(Clone)]
pub struct EngineRegistry {
    by_kind: HashMap<&'static str, Arc<dyn EngineFactory>>,
}

impl EngineRegistry {
    /// A registry of the given factories; a later factory of the same kind replaces an earlier one.
    pub fn new(factories: Vec<Arc<dyn EngineFactory>>) -> Self {
        EngineRegistry {
            by_kind: factories.into_iter().map(|f| (f.kind(), f)).collect(),
        }
    }

    /// The factory for `kind`.
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn EngineFactory>> {
        self.by_kind.get(kind)
    }

    /// The known kinds, sorted, for error messages.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.by_kind.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }
}
