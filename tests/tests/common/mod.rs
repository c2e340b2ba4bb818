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

/// Counts the threads a pool starts and stops, through its builder's hooks.
#[derive(Clone, Default)]
pub struct ThreadCount {
    pub started: Arc<std::sync::atomic::AtomicUsize>,
    pub stopped: Arc<std::sync::atomic::AtomicUsize>,
}

impl ThreadCount {
    /// Installs the counting hooks on `builder`.
    pub fn hooks(&self, builder: grpool::PoolBuilder) -> grpool::PoolBuilder {
        use std::sync::atomic::Ordering::SeqCst;
        let (started, stopped) = (self.started.clone(), self.stopped.clone());
        builder
            .on_thread_start(move || {
                started.fetch_add(1, SeqCst);
            })
            .on_thread_stop(move || {
                stopped.fetch_add(1, SeqCst);
            })
    }

    pub fn started(&self) -> usize {
        self.started.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether every thread that started has stopped.
    pub fn all_stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::SeqCst) == self.started()
    }
}

/// Adds `n` jobs that count themselves in `c` while they block on `gate`.
pub fn add_gated(pool: &grpool::Pool, n: usize, gate: &Gate, c: &Concurrency) {
    for _ in 0..n {
        let (gate, c) = (gate.clone(), c.clone());
        pool.add(&grpool::Context::background(), move |_| {
            c.enter();
            gate.wait();
            c.exit();
        })
        .unwrap();
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

/// Turns a hang into a failed test: if not dropped within `limit`, prints `what` and exits the
/// test process with a failure, so CI never sits on a stuck test.
pub struct Watchdog {
    done: Arc<(Mutex<bool>, Condvar)>,
}

impl Watchdog {
    pub fn new(what: &'static str, limit: Duration) -> Self {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let d = done.clone();
        std::thread::spawn(move || {
            let (lock, cv) = &*d;
            let guard = lock.lock().unwrap();
            let (guard, timeout) = cv.wait_timeout_while(guard, limit, |done| !*done).unwrap();
            if timeout.timed_out() && !*guard {
                eprintln!("watchdog: `{what}` did not finish within {limit:?}; it hangs");
                std::process::exit(101);
            }
        });
        Watchdog { done }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        *self.done.0.lock().unwrap() = true;
        self.done.1.notify_all();
    }
}

/// A small seeded generator (xorshift64*), so a failing random test can be replayed.
pub struct Rng(pub u64);

impl Rng {
    /// Seeded from `GRPOOL_SEED` if set, else from the clock; the seed is printed, so a failure
    /// can be replayed with `GRPOOL_SEED=<seed>`.
    pub fn from_env(test: &str) -> (Self, u64) {
        let seed = std::env::var("GRPOOL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("{test}: GRPOOL_SEED={seed}");
        (Rng(seed | 1), seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The name of the default pool's thread that runs a job.
pub fn default_pool_thread_name() -> String {
    let name = grpool::spawn(&grpool::Context::background(), |_| {
        std::thread::current().name().map(str::to_owned)
    });
    name.unwrap()
        .join()
        .unwrap()
        .expect("pool threads are named")
}
