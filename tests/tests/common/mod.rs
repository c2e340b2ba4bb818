//! Helpers shared by the integration tests: condition waits with generous deadlines, and gates.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long any condition may take before a test fails: generous, since machines are shared.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Waits until `cond` holds, polling; panics with `what` after [`DEADLINE`].
#[track_caller]
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A latch that jobs block on until the test opens it.
#[derive(Clone, Default)]
pub struct Gate {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Gate {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn open(&self) {
        *self.inner.0.lock().unwrap() = true;
        self.inner.1.notify_all();
    }

    /// Blocks until open; panics after [`DEADLINE`] so a bug cannot hang the suite.
    pub fn wait(&self) {
        let mut open = self.inner.0.lock().unwrap();
        let start = Instant::now();
        while !*open {
            assert!(start.elapsed() < DEADLINE, "gate never opened");
            open = self.inner.1.wait_timeout(open, Duration::from_millis(50)).unwrap().0;
        }
    }
}
