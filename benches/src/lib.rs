//! The peers grpool is measured against, behind one interface, and the scenarios both the
//! criterion suite (`benches/pools.rs`) and the interleaved comparison (`src/bin/compare.rs`)
//! run.
//!
//! Every peer receives the job closure itself (no extra boxing on our side), and every
//! scenario detects completion the same way: the job that brings the shared counter to `n`
//! opens a latch.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A pool implementation under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// This crate.
    Grpool,
    /// N threads reading boxed jobs from one crossbeam channel: the loop users write by hand.
    Crossbeam,
    /// `threadpool::ThreadPool`.
    Threadpool,
    /// `rayon::ThreadPool::spawn`.
    Rayon,
    /// `rusty_pool::ThreadPool`.
    RustyPool,
    /// tokio's `spawn_blocking`, with `max_blocking_threads` = the limit.
    Tokio,
    /// One `std::thread` per job.
    Threads,
}

impl Kind {
    /// Every pool peer (not `Threads`).
    pub const POOLS: [Kind; 6] = [
        Kind::Grpool,
        Kind::Crossbeam,
        Kind::Threadpool,
        Kind::Rayon,
        Kind::RustyPool,
        Kind::Tokio,
    ];

    /// The name used in reports and benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Grpool => "grpool",
            Kind::Crossbeam => "crossbeam-loop",
            Kind::Threadpool => "threadpool",
            Kind::Rayon => "rayon",
            Kind::RustyPool => "rusty_pool",
            Kind::Tokio => "tokio-blocking",
            Kind::Threads => "thread-per-job",
        }
    }

    /// Parses a name given by [`Kind::name`].
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::POOLS
            .into_iter()
            .chain([Kind::Threads])
            .find(|k| k.name() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

type BoxedJob = Box<dyn FnOnce() + Send>;

/// The hand-written pool: `limit` threads looping on one crossbeam channel.
#[allow(missing_debug_implementations)]
pub struct HandWritten {
    tx: Option<crossbeam_channel::Sender<BoxedJob>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl HandWritten {
    /// Starts `threads` threads.
    pub fn new(threads: usize) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded::<BoxedJob>();
        let threads = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || {
                    while let Ok(job) = rx.recv() {
                        job();
                    }
                })
            })
            .collect();
        HandWritten {
            tx: Some(tx),
            threads,
        }
    }
}

impl Drop for HandWritten {
    fn drop(&mut self) {
        self.tx.take();
        self.threads.drain(..).for_each(|t| t.join().unwrap_or(()));
    }
}

/// A live pool of one kind.
pub enum Peer {
    /// grpool.
    Grpool(grpool::Pool),
    /// The hand-written loop.
    Crossbeam(HandWritten),
    /// threadpool.
    Threadpool(threadpool::ThreadPool),
    /// rayon.
    Rayon(rayon::ThreadPool),
    /// rusty_pool.
    RustyPool(rusty_pool::ThreadPool),
    /// tokio.
    Tokio(tokio::runtime::Runtime),
    /// A thread per job.
    Threads,
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind().name())
    }
}

impl Peer {
    /// A pool of `kind` with at most `limit` workers.
    pub fn new(kind: Kind, limit: usize) -> Peer {
        match kind {
            Kind::Grpool => {
                Peer::Grpool(grpool::Pool::builder().limit(limit).build().expect("valid"))
            }
            Kind::Crossbeam => Peer::Crossbeam(HandWritten::new(limit)),
            Kind::Threadpool => Peer::Threadpool(threadpool::ThreadPool::new(limit)),
            Kind::Rayon => Peer::Rayon(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(limit)
                    .build()
                    .expect("rayon"),
            ),
            Kind::RustyPool => Peer::RustyPool(rusty_pool::ThreadPool::new(
                limit,
                limit,
                Duration::from_secs(60),
            )),
            Kind::Tokio => Peer::Tokio(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .max_blocking_threads(limit)
                    .thread_keep_alive(Duration::from_secs(60))
                    .build()
                    .expect("tokio"),
            ),
            Kind::Threads => Peer::Threads,
        }
    }

    /// Each peer with its own defaults (no limit where the peer allows none).
    pub fn with_defaults(kind: Kind) -> Peer {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match kind {
            Kind::Grpool => Peer::Grpool(grpool::default_pool().clone()),
            Kind::Crossbeam => Peer::Crossbeam(HandWritten::new(cores)),
            Kind::Threadpool => Peer::Threadpool(threadpool::Builder::new().build()),
            Kind::Rayon => Peer::Rayon(rayon::ThreadPoolBuilder::new().build().expect("rayon")),
            Kind::RustyPool => Peer::RustyPool(rusty_pool::ThreadPool::default()),
            Kind::Tokio => Peer::Tokio(
                tokio::runtime::Builder::new_multi_thread()
                    .build()
                    .expect("tokio"),
            ),
            Kind::Threads => Peer::Threads,
        }
    }

    /// Which kind this is.
    pub fn kind(&self) -> Kind {
        match self {
            Peer::Grpool(_) => Kind::Grpool,
            Peer::Crossbeam(_) => Kind::Crossbeam,
            Peer::Threadpool(_) => Kind::Threadpool,
            Peer::Rayon(_) => Kind::Rayon,
            Peer::RustyPool(_) => Kind::RustyPool,
            Peer::Tokio(_) => Kind::Tokio,
            Peer::Threads => Kind::Threads,
        }
    }

    /// Runs `f` on the pool.
    #[inline]
    pub fn submit<F: FnOnce() + Send + 'static>(&self, f: F) {
        match self {
            Peer::Grpool(p) => p
                .add(&grpool::Context::background(), move |_| f())
                .expect("open"),
            Peer::Crossbeam(h) => {
                h.tx.as_ref()
                    .expect("open")
                    .send(Box::new(f))
                    .expect("open")
            }
            Peer::Threadpool(p) => p.execute(f),
            Peer::Rayon(p) => p.spawn(f),
            Peer::RustyPool(p) => p.execute(f),
            Peer::Tokio(rt) => drop(rt.spawn_blocking(f)),
            Peer::Threads => drop(std::thread::spawn(f)),
        }
    }
}

/// Counts jobs down to zero; the job that reaches zero wakes the waiter.
#[derive(Debug)]
pub struct Latch {
    left: AtomicUsize,
    done: Mutex<bool>,
    cv: Condvar,
}

impl Latch {
    /// A latch for `n` jobs.
    pub fn new(n: usize) -> Arc<Latch> {
        Arc::new(Latch {
            left: AtomicUsize::new(n),
            done: Mutex::new(n == 0),
            cv: Condvar::new(),
        })
    }

    /// One job done: the shared atomic add every benchmark job makes.
    #[inline]
    pub fn count_down(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            *self.done.lock().expect("latch") = true;
            self.cv.notify_all();
        }
    }

    /// Blocks until every job is done.
    pub fn wait(&self) {
        let mut done = self.done.lock().expect("latch");
        while !*done {
            done = self.cv.wait(done).expect("latch");
        }
    }
}

/// Scenarios 1 and 2: `n` jobs that each add one to a shared atomic, submitted by `producers`
/// threads; from the first submit to the last completion.
pub fn tiny(peer: &Peer, n: usize, producers: usize) -> Duration {
    let latch = Latch::new(n);
    let start = Instant::now();
    if producers == 1 {
        for _ in 0..n {
            let latch = latch.clone();
            peer.submit(move || latch.count_down());
        }
    } else {
        std::thread::scope(|s| {
            for p in 0..producers {
                let latch = &latch;
                s.spawn(move || {
                    let share = n / producers + usize::from(p < n % producers);
                    for _ in 0..share {
                        let latch = latch.clone();
                        peer.submit(move || latch.count_down());
                    }
                });
            }
        });
    }
    latch.wait();
    start.elapsed()
}

/// Scenario 3: `n` jobs that each sleep for `sleep`.
pub fn sleepy(peer: &Peer, n: usize, sleep: Duration) -> Duration {
    let latch = Latch::new(n);
    let start = Instant::now();
    for _ in 0..n {
        let latch = latch.clone();
        peer.submit(move || {
            std::thread::sleep(sleep);
            latch.count_down();
        });
    }
    latch.wait();
    start.elapsed()
}

/// The number of threads of this process, from `/proc/self/status`.
pub fn threads_now() -> usize {
    proc_status("Threads:") as usize
}

/// Resident memory of this process in KiB, from `/proc/self/status`.
pub fn rss_kib() -> u64 {
    proc_status("VmRSS:")
}

fn proc_status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
