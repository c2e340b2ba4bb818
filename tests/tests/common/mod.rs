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
            open = self
                .inner
                .1
                .wait_timeout(open, Duration::from_millis(50))
                .unwrap()
                .0;
        }
    }
}

/// Runs a future to completion on this thread, parking between polls (no runtime needed).
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    let start = Instant::now();
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "future never completed");
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

/// Counts jobs running at once and remembers the most seen.
#[derive(Clone, Default)]
pub struct Concurrency {
    inner: Arc<Mutex<(usize, usize)>>,
}

impl Concurrency {
    pub fn enter(&self) {
        let mut g = self.inner.lock().unwrap();
        g.0 += 1;
        g.1 = g.1.max(g.0);
    }

    pub fn exit(&self) {
        self.inner.lock().unwrap().0 -= 1;
    }

    pub fn now(&self) -> usize {
        self.inner.lock().unwrap().0
    }

    pub fn max(&self) -> usize {
        self.inner.lock().unwrap().1
    }

    pub fn reset_max(&self) {
        let mut g = self.inner.lock().unwrap();
        g.1 = g.0;
    }
}

/// Asserts that every accepted job has been accounted for exactly once.
#[track_caller]
pub fn assert_balanced(pool: &grpool::Pool) {
    let s = pool.stats();
    assert_eq!(
        s.submitted,
        s.completed + s.panicked + s.cancelled + s.discarded,
        "counters do not balance: {s:?}"
    );
}
