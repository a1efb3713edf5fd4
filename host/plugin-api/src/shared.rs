//! Handles plugins publish for the plugins started after them (the monitoring store for the
//! dialects that read it), by type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A map from a type to one shared instance of it.
#[derive(Default)]
pub struct Shared {
    items: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Shared {
    /// Publishes `value` (replacing an earlier one of the same type).
    pub fn insert<T: Any + Send + Sync>(&self, value: Arc<T>) {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(TypeId::of::<T>(), value);
    }

    /// The published instance of `T`, if a plugin started earlier published one.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let item = self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&TypeId::of::<T>())
            .cloned()?;
        item.downcast::<T>().ok()
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.items.lock().map(|m| m.len()).unwrap_or(0);
        write!(f, "Shared({n} items)")
    }
}
