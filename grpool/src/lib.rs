//! A pool of reusable worker threads for background jobs, after GoFrame's `grpool`.
//!
//! Starting an OS thread costs microseconds and reserves megabytes of stack; a [`Pool`] starts
//! few, reuses them for job after job, and caps how many run at once so that a burst of
//! background work cannot swamp a service.
//!
//! # Quick start
//!
//! Jobs are closures that receive the [`Context`] they were added with:
//!
//! ```
//! use grpool::{Context, Pool};
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//!
//! let pool = Pool::with_limit(100); // Go: grpool.New(100)
//! let ctx = Context::background();
//! let done = Arc::new(AtomicUsize::new(0));
//! for _ in 0..1000 {
//!     let done = done.clone();
//!     pool.add(&ctx, move |_ctx| {
//!         done.fetch_add(1, Ordering::Relaxed);
//!     })?;
//! }
//! pool.join(); // wait until no job is queued or running
//! assert_eq!(done.load(Ordering::Relaxed), 1000);
//! # Ok::<(), grpool::Error>(())
//! ```
//!
//! [`Pool::spawn`] returns a [`JobHandle`] to the job's result, which can be joined or
//! `.await`ed; [`Pool::add_with_recover`] hands a panic to a recover function; the package-level
//! functions [`add`], [`spawn`], [`jobs`] and [`size`] use the process-wide [`default_pool`].
//!
//! # Passing values into jobs
//!
//! The Go documentation's most common question is how to pass a loop variable to a job. In Rust
//! a job must own what it uses (`'static`), so the Go mistake of reading a variable after the
//! loop has moved on does not compile; move a copy in instead:
//!
//! ```
//! # use grpool::{Context, Pool};
//! let pool = Pool::new();
//! for i in 0..10 {
//!     pool.add(&Context::background(), move |_| println!("{i}"))?;
//! }
//! # pool.join();
//! # Ok::<(), grpool::Error>(())
//! ```
//!
//! With the `macros` feature (on by default), `spawn_pooled!` writes the `move` and the
//! `clone()`s for you, and `#[pooled]` turns a function into one that runs on a pool.
//!
//! # Contexts
//!
//! A [`Context`] carries cancellation, a deadline and values, like Go's `context.Context`. A job
//! whose context is cancelled before a worker takes it does not run; it is counted in
//! [`Stats::cancelled`] and its handle yields [`JobError::Cancelled`]. A running job can watch
//! its context with [`Context::is_cancelled`] or block on [`Context::wait_timeout`].
//!
//! # How the pool grows
//!
//! Workers start lazily: a new pool has no thread. When a job is added and no worker is idle,
//! a worker starts at once while the pool has fewer than the machine's parallelism
//! ([`std::thread::available_parallelism`]) and fewer than its limit. Beyond that a thread per
//! job would only make short jobs fight over the same cores, so the pool grows only while its
//! workers are *stuck*: while jobs wait and no worker is idle, the pool looks every millisecond,
//! and each busy worker that started at most three jobs since the last look (it is blocked, or
//! runs long jobs) earns one more worker, up to the limit and the number of waiting jobs, unless
//! enough workers are making quick progress (one per core). A burst of
//! tiny jobs therefore runs on a handful of threads, while a thousand blocking jobs get a
//! thousand workers within a few milliseconds (the pool doubles each tick). Idle workers exit
//! after the [keep-alive](PoolBuilder::keep_alive) ([`DEFAULT_KEEP_ALIVE`]). [`Stats`] reports
//! the peak. An unlimited pool running long CPU-bound jobs therefore grows to a thread per job,
//! as Go's does with goroutines: give such a pool a limit.
//!
//! # Differences from Go's `grpool`
//!
//! | Go | grpool | why |
//! |---|---|---|
//! | `New(limit ...int)` | [`Pool::new`], [`Pool::with_limit`], [`Pool::builder`] | Rust has no variadic arguments |
//! | `Add(ctx, f) error` | [`Pool::add`], plus [`Pool::try_add`], [`Pool::add_timeout`], [`Pool::spawn`] | non-blocking adds and results |
//! | `AddWithRecover(ctx, f, recover)` | [`Pool::add_with_recover`] | the recover function gets a [`PanicError`] |
//! | `Cap`, `Size`, `Jobs`, `IsClosed` | [`Pool::cap`] (`Option`), [`Pool::size`], [`Pool::jobs`], [`Pool::is_closed`] | |
//! | `Close()` drops queued jobs | [`Pool::close`] runs them; [`Pool::shutdown_now`] drops them, and reports how many | nothing lost silently |
//! | a panic without recover is only logged | it goes to the [panic handler](PoolBuilder::panic_handler) and is counted | |
//! | a timer rescues jobs stranded by a race with an exiting worker | no job is ever stranded, no timer | see `DESIGN.md` |
//! | idle workers exit at once | after a keep-alive (`Duration::ZERO` for Go's behaviour) | threads cost more than goroutines |
//! | — | [`Pool::join`], [`Pool::pause`], [`Pool::set_limit`], [`Pool::stats`], bounded queues | |
//!
//! # Panics in jobs
//!
//! A panicking job never kills its worker or skews a count. `add_with_recover` passes the panic
//! to its recover function, `spawn` through the handle, and the other adds to the pool's panic
//! handler.
#![deny(unsafe_code)]

mod builder;
mod context;
mod error;
mod global;
mod handle;
mod job;
mod pool;
mod queue;
mod sync;
mod worker;

pub use builder::{PoolBuilder, ThreadBuilder, DEFAULT_KEEP_ALIVE};
pub use context::{CancelHandle, Context, ContextError};
pub use error::{BuildError, Error, JobError, PanicError};
pub use global::{add, add_with_recover, default_pool, jobs, size, spawn};
pub use handle::JobHandle;
pub use pool::{Pool, Stats};

#[cfg(feature = "macros")]
pub use grpool_macros::{pooled, spawn_pooled};

/// Items used by the code the macros generate. Not public API.
#[doc(hidden)]
pub mod __private {
    use crate::Pool;
    use std::borrow::Borrow;
    pub use std::sync::OnceLock;

    /// `&Pool` from a `Pool`, a `&Pool` or anything else that borrows as one.
    pub fn pool_ref<P: Borrow<Pool> + ?Sized>(pool: &P) -> &Pool {
        pool.borrow()
    }

    /// Fails to compile, on the argument's span, unless the argument can move to a worker.
    pub fn assert_send_static<T: Send + 'static>(_: &T) {}

    /// The private pool of a `#[pooled(limit = .., queue = ..)]` function.
    pub fn private_pool(name: &str, limit: Option<usize>, queue: Option<usize>) -> Pool {
        assert!(
            limit != Some(0),
            "`#[pooled(limit = ..)]` on `{name}`: the limit evaluated to 0, but a pool needs at least one worker"
        );
        assert!(
            queue != Some(0),
            "`#[pooled(queue = ..)]` on `{name}`: the queue capacity evaluated to 0, but a bounded queue needs room for at least one job"
        );
        let mut builder = Pool::builder().thread_name(name);
        if let Some(limit) = limit {
            builder = builder.limit(limit);
        }
        if let Some(queue) = queue {
            builder = builder.queue_capacity(queue);
        }
        builder
            .build()
            .expect("limit and capacity were checked above")
    }
}
