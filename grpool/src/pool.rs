//! `Pool`: the handle users hold, and `Stats`.

use crate::builder::{Config, PoolBuilder};
use crate::context::Context;
use crate::error::{Error, PanicError};
use crate::handle::JobHandle;
use crate::job::{Job, Plain, Spawned, WithRecover};
use crate::sync::Arc;
use crate::worker::{Shared, Wait, NO_LIMIT};
use std::fmt;
use std::time::{Duration, Instant};

/// A pool of reusable worker threads that run jobs from a queue.
///
/// Workers start on demand, up to the pool's limit, and exit after a
/// [keep-alive](PoolBuilder::keep_alive) with nothing to do. Clones are handles to the same
/// pool. When the last handle is dropped the pool closes: queued jobs still run in the
/// background, then the threads exit.
///
/// # Examples
///
/// ```
/// use grpool::{Context, Pool};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let pool = Pool::with_limit(4);
/// let done = Arc::new(AtomicUsize::new(0));
/// for _ in 0..100 {
///     let done = done.clone();
///     pool.add(&Context::background(), move |_ctx| {
///         done.fetch_add(1, Ordering::Relaxed);
///     })?;
/// }
/// pool.join();
/// assert_eq!(done.load(Ordering::Relaxed), 100);
/// assert!(pool.size() <= 4);
/// # Ok::<(), grpool::Error>(())
/// ```
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Owner>,
}

/// Closes the pool when the last `Pool` handle goes (workers hold `Shared`, not this).
struct Owner {
    shared: Arc<Shared>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.close();
        self.shared.resume();
    }
}

/// A snapshot of a pool's counters, from [`Pool::stats`].
///
/// Every accepted job ends in exactly one of `completed`, `panicked`, `cancelled` or
/// `discarded`; once the pool is idle, `submitted` equals their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Jobs accepted by `add`, `try_add`, `add_timeout`, `add_with_recover` and `spawn`.
    pub submitted: u64,
    /// Jobs that ran to the end.
    pub completed: u64,
    /// Jobs that panicked.
    pub panicked: u64,
    /// Jobs that never ran because their context was cancelled before a worker took them.
    pub cancelled: u64,
    /// Jobs removed unrun by [`Pool::clear_jobs`] or [`Pool::shutdown_now`].
    pub discarded: u64,
    /// Live worker threads.
    pub workers: usize,
    /// Workers waiting for a job.
    pub idle_workers: usize,
    /// Jobs waiting to start.
    pub queued: usize,
    /// The most workers alive at once so far.
    pub peak_workers: usize,
}

impl Default for Pool {
    fn default() -> Self {
        Pool::new()
    }
}

impl Pool {
    /// A pool with no worker limit (Go's `grpool.New()`).
    ///
    /// Without a limit the pool still does not start a thread per job: see
    /// [the growth rule](crate#how-the-pool-grows).
    pub fn new() -> Pool {
        Pool::builder()
            .build()
            .expect("the default configuration is valid")
    }

    /// A pool with at most `limit` workers (Go's `grpool.New(limit)`).
    ///
    /// # Panics
    ///
    /// If `limit` is zero. A pool without a limit is [`Pool::new()`]; [`Pool::builder`] reports
    /// a zero limit as an error instead.
    pub fn with_limit(limit: usize) -> Pool {
        assert!(limit > 0, "`Pool::with_limit(0)`: a pool needs at least one worker; use `Pool::new()` for a pool without a limit");
        Pool::builder()
            .limit(limit)
            .build()
            .expect("a non-zero limit is valid")
    }

    /// A builder for a pool with other settings.
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    pub(crate) fn from_config(config: Config) -> Pool {
        Pool {
            inner: Arc::new(Owner {
                shared: Arc::new(Shared::new(config)),
            }),
        }
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    fn not_default(&self, what: &str) {
        assert!(
            !self.shared().config.is_default,
            "`{what}` on the default pool: it is shared by the whole process, so no library may \
             switch it off; build a pool of your own with `Pool::new()` or `Pool::builder()`"
        );
    }

    /// Adds a job, blocking while a [bounded queue](PoolBuilder::queue_capacity) is full.
    ///
    /// The job receives `ctx`. If `ctx` is already cancelled the job is accepted but never runs
    /// (it counts in [`Stats::cancelled`]), and the call never blocks. If the job panics, the
    /// panic goes to the pool's [panic handler](PoolBuilder::panic_handler) and the worker
    /// carries on.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the pool is closed (also when it closes while the call waits);
    /// [`Error::Full`] if called from one of this pool's own jobs while its queue is full
    /// (waiting there could deadlock the pool); [`Error::Spawn`] if the pool has no worker and
    /// no thread could be started. A refused job is dropped unrun, in the caller's thread.
    ///
    /// # Examples
    ///
    /// A plain function works as a job:
    ///
    /// ```
    /// use grpool::{Context, Pool};
    ///
    /// fn job(ctx: &Context) {
    ///     assert!(!ctx.is_cancelled());
    /// }
    ///
    /// let pool = Pool::new();
    /// pool.add(&Context::background(), job).unwrap();
    /// pool.join();
    /// ```
    pub fn add<F>(&self, ctx: &Context, f: F) -> Result<(), Error>
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        self.submit_plain(ctx, f, Wait::Forever)
    }

    /// Adds a job without blocking.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add), and [`Error::Full`] at once when the bounded queue is full. A
    /// refused job is dropped unrun, in the caller's thread.
    pub fn try_add<F>(&self, ctx: &Context, f: F) -> Result<(), Error>
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        self.submit_plain(ctx, f, Wait::No)
    }

    /// Adds a job, waiting at most `timeout` for room in a bounded queue.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add), and [`Error::Timeout`] when the queue stayed full for `timeout`.
    /// A refused job is dropped unrun, in the caller's thread.
    pub fn add_timeout<F>(&self, ctx: &Context, f: F, timeout: Duration) -> Result<(), Error>
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        let wait = Instant::now()
            .checked_add(timeout)
            .map_or(Wait::Forever, Wait::Until);
        self.submit_plain(ctx, f, wait)
    }

    fn submit_plain<F>(&self, ctx: &Context, f: F, wait: Wait) -> Result<(), Error>
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        let job = Job::new(Plain {
            ctx: ctx.clone(),
            f: Some(f),
        });
        self.shared().submit(ctx, job, wait)
    }

    /// Adds a job whose panic, if any, is passed to `recover` (Go's `AddWithRecover`).
    ///
    /// `recover` runs on the worker, after the panic; a panic inside it is contained. It is
    /// dropped unrun if the job completes or never runs.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add). A refused job is dropped unrun, in the caller's thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use grpool::{Context, Pool};
    /// use std::sync::mpsc;
    ///
    /// let pool = Pool::new();
    /// let (tx, rx) = mpsc::channel();
    /// pool.add_with_recover(
    ///     &Context::background(),
    ///     |_| panic!("collector failed"),
    ///     move |panic| tx.send(panic.message().map(str::to_owned)).unwrap(),
    /// )?;
    /// assert_eq!(rx.recv().unwrap().as_deref(), Some("collector failed"));
    /// # Ok::<(), grpool::Error>(())
    /// ```
    pub fn add_with_recover<F, R>(&self, ctx: &Context, f: F, recover: R) -> Result<(), Error>
    where
        F: FnOnce(&Context) + Send + 'static,
        R: FnOnce(PanicError) + Send + 'static,
    {
        let job = Job::new(WithRecover {
            ctx: ctx.clone(),
            f: Some((f, recover)),
        });
        self.shared().submit(ctx, job, Wait::Forever)
    }

    /// Adds a job and returns a handle to its result. Blocks like [`add`](Self::add) on a full
    /// queue.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add). A refused job is dropped unrun, in the caller's thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use grpool::{Context, Pool};
    ///
    /// let pool = Pool::with_limit(2);
    /// let handles: Vec<_> = (0..4u64)
    ///     .map(|i| pool.spawn(&Context::background(), move |_| i * i).unwrap())
    ///     .collect();
    /// let squares: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    pub fn spawn<F, T>(&self, ctx: &Context, f: F) -> Result<JobHandle<T>, Error>
    where
        F: FnOnce(&Context) -> T + Send + 'static,
        T: Send + 'static,
    {
        let shared = self.shared();
        let slot = shared.spares.take(ctx);
        let handle = JobHandle::new(slot.clone());
        shared.submit(ctx, Job::new(Spawned::new(f, slot)), Wait::Forever)?;
        Ok(handle)
    }

    /// The worker limit, or `None` when there is none.
    pub fn cap(&self) -> Option<usize> {
        match self.shared().limit() {
            NO_LIMIT => None,
            n => Some(n),
        }
    }

    /// Live worker threads.
    pub fn size(&self) -> usize {
        self.shared().size()
    }

    /// Jobs queued and not yet started.
    pub fn jobs(&self) -> usize {
        self.shared().jobs()
    }

    /// Closes the pool: every later add returns [`Error::Closed`].
    ///
    /// Jobs already queued still run (the Go pool drops them), and workers exit as soon as the
    /// queue is empty, without waiting out the keep-alive. Does not block; call
    /// [`join`](Self::join) to wait for the queued jobs.
    ///
    /// # Panics
    ///
    /// On the [default pool](crate::default_pool), which the whole process shares.
    pub fn close(&self) {
        self.not_default("Pool::close");
        self.shared().close();
    }

    /// Whether [`close`](Self::close) (or [`shutdown_now`](Self::shutdown_now)) was called.
    pub fn is_closed(&self) -> bool {
        self.shared().is_closed()
    }

    /// Blocks until no job is queued or running.
    ///
    /// Works on open and closed pools. On a paused pool with queued jobs it waits for
    /// [`resume`](Self::resume) or [`clear_jobs`](Self::clear_jobs).
    ///
    /// # Panics
    ///
    /// If called from one of this pool's own jobs, which would wait for itself forever.
    pub fn join(&self) {
        self.shared().join(None);
    }

    /// Like [`join`](Self::join), giving up after `timeout`; returns whether the pool was idle in
    /// time.
    ///
    /// # Panics
    ///
    /// If called from one of this pool's own jobs.
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.shared().join(Some(timeout))
    }

    /// Changes the worker limit while the pool runs (`None`: no limit).
    ///
    /// Lowered, no job starts while `limit` or more run; extra workers leave when their current
    /// job ends. Raised, workers start at once for the queued jobs.
    ///
    /// # Panics
    ///
    /// If the limit is `Some(0)`, like [`Pool::with_limit`].
    pub fn set_limit(&self, limit: Option<usize>) {
        assert!(
            limit != Some(0),
            "`Pool::set_limit(Some(0))`: a pool needs at least one worker; use `None` for no limit"
        );
        self.shared().set_limit(limit.unwrap_or(NO_LIMIT));
    }

    /// Stops starting jobs until [`resume`](Self::resume); running jobs finish.
    ///
    /// # Panics
    ///
    /// On the [default pool](crate::default_pool).
    pub fn pause(&self) {
        self.not_default("Pool::pause");
        self.shared().pause();
    }

    /// Starts jobs again after [`pause`](Self::pause).
    pub fn resume(&self) {
        self.shared().resume();
    }

    /// Whether the pool is paused.
    pub fn is_paused(&self) -> bool {
        self.shared().is_paused()
    }

    /// Discards every queued job and returns how many there were.
    ///
    /// Each discarded job's handle yields [`JobError::Cancelled`](crate::JobError::Cancelled),
    /// and [`Stats::discarded`] counts it. Running jobs are not affected.
    pub fn clear_jobs(&self) -> usize {
        self.shared().clear_jobs()
    }

    /// [`close`](Self::close), then [`clear_jobs`](Self::clear_jobs): returns how many queued
    /// jobs were discarded.
    ///
    /// # Panics
    ///
    /// On the [default pool](crate::default_pool).
    pub fn shutdown_now(&self) -> usize {
        self.not_default("Pool::shutdown_now");
        self.shared().close();
        self.shared().clear_jobs()
    }

    /// A snapshot of the pool's counters.
    ///
    /// A job is counted by its worker just after it ends, which can be a moment after its
    /// handle has the result; once [`join`](Self::join) returns, the counts are exact and
    /// `submitted == completed + panicked + cancelled + discarded`.
    pub fn stats(&self) -> Stats {
        self.shared().stats()
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("cap", &self.cap())
            .field("size", &self.size())
            .field("jobs", &self.jobs())
            .field("closed", &self.is_closed())
            .field("paused", &self.is_paused())
            .finish()
    }
}
