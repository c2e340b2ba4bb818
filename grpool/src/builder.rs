//! `PoolBuilder`: every knob of a pool, checked once at `build`.

use crate::error::{BuildError, BuildErrorKind, PanicError};
use crate::job::PanicHandler;
use crate::pool::Pool;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// How long an idle worker waits for a job before its thread exits, unless
/// [`PoolBuilder::keep_alive`] says otherwise.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(10);

pub(crate) type Hook = dyn Fn() + Send + Sync;
pub(crate) type SpawnHandler = dyn Fn(ThreadBuilder) -> io::Result<()> + Send + Sync;

/// The settings a pool is built from.
pub(crate) struct Config {
    pub(crate) limit: Option<usize>,
    pub(crate) queue_capacity: Option<usize>,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) panic_handler: Option<Arc<PanicHandler>>,
    pub(crate) on_thread_start: Option<Arc<Hook>>,
    pub(crate) on_thread_stop: Option<Arc<Hook>>,
    pub(crate) spawn_handler: Option<Box<SpawnHandler>>,
    /// Workers started at once, without the growth rule's delay: the machine's parallelism.
    pub(crate) parallelism: usize,
    pub(crate) is_default: bool,
}

/// Builds a [`Pool`] with settings other than the defaults.
///
/// # Examples
///
/// ```
/// use grpool::Pool;
/// use std::time::Duration;
///
/// let pool = Pool::builder()
///     .limit(8)
///     .queue_capacity(1_000)
///     .keep_alive(Duration::from_secs(1))
///     .thread_name("collector")
///     .build()
///     .expect("a valid configuration");
/// assert_eq!(pool.cap(), Some(8));
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct PoolBuilder {
    limit: Option<usize>,
    queue_capacity: Option<usize>,
    keep_alive: Duration,
    thread_name: String,
    stack_size: Option<usize>,
    panic_handler: Option<Arc<PanicHandler>>,
    on_thread_start: Option<Arc<Hook>>,
    on_thread_stop: Option<Arc<Hook>>,
    spawn_handler: Option<Box<SpawnHandler>>,
}

impl Default for PoolBuilder {
    fn default() -> Self {
        PoolBuilder {
            limit: None,
            queue_capacity: None,
            keep_alive: DEFAULT_KEEP_ALIVE,
            thread_name: "grpool".to_owned(),
            stack_size: None,
            panic_handler: None,
            on_thread_start: None,
            on_thread_stop: None,
            spawn_handler: None,
        }
    }
}

impl PoolBuilder {
    /// A builder with the defaults: no worker limit, an unbounded queue, a keep-alive of
    /// [`DEFAULT_KEEP_ALIVE`], threads named `grpool-{n}`.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `limit` workers run jobs at once. Zero is rejected by [`build`](Self::build).
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Bounds the queue to `capacity` waiting jobs (running jobs do not count). While it is full,
    /// [`Pool::add`] blocks and [`Pool::try_add`] fails. Zero is rejected by [`build`](Self::build).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = Some(capacity);
        self
    }

    /// How long an idle worker waits for a job before its thread exits.
    ///
    /// `Duration::ZERO` gives the Go pool's behaviour: a worker exits as soon as the queue is empty.
    pub fn keep_alive(mut self, keep_alive: Duration) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// The prefix of worker thread names: threads are named `{prefix}-{n}`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }

    /// The stack size of worker threads, in bytes (the platform's default otherwise).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Receives the panics of jobs added with [`Pool::add`], [`Pool::try_add`] and
    /// [`Pool::add_timeout`], and of spawned jobs whose handle was dropped.
    ///
    /// Without a handler, the standard panic message (printed by the panic hook) is all; the worker
    /// carries on either way. A panic inside the handler is contained.
    pub fn panic_handler(mut self, handler: impl Fn(PanicError) + Send + Sync + 'static) -> Self {
        self.panic_handler = Some(Arc::new(handler));
        self
    }

    /// Runs on every worker thread as it starts, before its first job.
    pub fn on_thread_start(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_thread_start = Some(Arc::new(hook));
        self
    }

    /// Runs on every worker thread just before it exits.
    pub fn on_thread_stop(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_thread_stop = Some(Arc::new(hook));
        self
    }

    /// Starts worker threads with `handler` instead of [`std::thread::Builder`].
    ///
    /// The handler must start a new thread that calls [`ThreadBuilder::run`], and return `Ok`, or
    /// return the error that prevented it. A refusal is handled like the operating system's: if
    /// the pool has no worker, the `add` that needed one returns
    /// [`Error::Spawn`](crate::Error::Spawn); otherwise the job waits for the existing workers.
    ///
    /// # Examples
    ///
    /// ```
    /// use grpool::{Context, Pool};
    ///
    /// let pool = Pool::builder()
    ///     .spawn_handler(|thread| {
    ///         std::thread::Builder::new().name(thread.name().to_owned()).spawn(|| thread.run())?;
    ///         Ok(())
    ///     })
    ///     .build()
    ///     .unwrap();
    /// let name = pool.spawn(&Context::background(), |_| {
    ///     std::thread::current().name().map(str::to_owned)
    /// });
    /// assert_eq!(name.unwrap().join().unwrap().as_deref(), Some("grpool-1"));
    /// ```
    pub fn spawn_handler(
        mut self,
        handler: impl Fn(ThreadBuilder) -> io::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.spawn_handler = Some(Box::new(handler));
        self
    }

    fn config(self, is_default: bool) -> Result<Config, BuildError> {
        if self.limit == Some(0) {
            return Err(BuildError::new(BuildErrorKind::ZeroLimit));
        }
        if self.queue_capacity == Some(0) {
            return Err(BuildError::new(BuildErrorKind::ZeroQueueCapacity));
        }
        Ok(Config {
            limit: self.limit,
            queue_capacity: self.queue_capacity,
            keep_alive: self.keep_alive,
            thread_name: self.thread_name,
            stack_size: self.stack_size,
            panic_handler: self.panic_handler,
            on_thread_start: self.on_thread_start,
            on_thread_stop: self.on_thread_stop,
            spawn_handler: self.spawn_handler,
            parallelism: parallelism(),
            is_default,
        })
    }

    /// Builds the pool. No thread starts until the first job is added.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] if the limit or the queue capacity is zero.
    pub fn build(self) -> Result<Pool, BuildError> {
        Ok(Pool::from_config(self.config(false)?))
    }

    /// Makes this configuration the [default pool](crate::default_pool)'s, before its first use
    /// (as rayon's `build_global` does).
    ///
    /// # Errors
    ///
    /// A [`BuildError`] if the configuration is invalid, or if the default pool already exists
    /// (something used it, or `build_default` was called before).
    pub fn build_default(self) -> Result<(), BuildError> {
        crate::global::set_default(self.build_shared()?)
    }

    /// Builds a pool marked as the process-wide default (see [`crate::default_pool`]).
    pub(crate) fn build_shared(self) -> Result<Pool, BuildError> {
        Ok(Pool::from_config(self.config(true)?))
    }
}

#[cfg(not(grpool_loom))]
fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Under loom every pool in a model has a limit, and every worker below it starts at once.
#[cfg(grpool_loom)]
fn parallelism() -> usize {
    usize::MAX
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("limit", &self.limit)
            .field("queue_capacity", &self.queue_capacity)
            .field("keep_alive", &self.keep_alive)
            .field("thread_name", &self.thread_name)
            .field("stack_size", &self.stack_size)
            .field("panic_handler", &self.panic_handler.is_some())
            .field("on_thread_start", &self.on_thread_start.is_some())
            .field("on_thread_stop", &self.on_thread_stop.is_some())
            .field("spawn_handler", &self.spawn_handler.is_some())
            .finish()
    }
}

/// A worker thread waiting to be started by a [spawn handler](PoolBuilder::spawn_handler).
pub struct ThreadBuilder {
    pub(crate) name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) main: Box<dyn FnOnce() + Send>,
}

impl ThreadBuilder {
    /// The name the pool gives this thread: `{prefix}-{n}`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stack size set with [`PoolBuilder::stack_size`], if any.
    pub fn stack_size(&self) -> Option<usize> {
        self.stack_size
    }

    /// Runs the worker. Call it on the new thread; it returns when the worker exits.
    pub fn run(self) {
        (self.main)();
    }
}

impl fmt::Debug for ThreadBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadBuilder")
            .field("name", &self.name)
            .field("stack_size", &self.stack_size)
            .finish_non_exhaustive()
    }
}
