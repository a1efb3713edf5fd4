//! Stopping a call whose caller no longer waits: the host answers 504 at the call's deadline
//! and drops its future; [`StopOnDrop`] then raises the call's [`StopFlag`], which the
//! blocking work checks between model runs, so that an abandoned explanation does not keep a
//! core busy to the end.

use plinth_engine_api::ApiError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Raised when the call's work should stop.
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// Whether the work should stop.
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(504)` once raised: for the checkpoints of long work.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.is_raised() {
            return Err(ApiError::deadline(
                "the prediction was stopped: the call's deadline passed",
            ));
        }
        Ok(())
    }

    /// A guard that raises this flag when dropped.
    pub fn raise_on_drop(&self) -> StopOnDrop {
        StopOnDrop(self.clone())
    }
}

/// Raises its [`StopFlag`] when dropped.
pub struct StopOnDrop(StopFlag);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_the_guard_raises_the_flag() {
        let flag = StopFlag::default();
        let guard = flag.raise_on_drop();
        assert!(flag.check().is_ok());
        drop(guard);
        assert_eq!(flag.check().unwrap_err().status, 504);
    }
}
