//! The default pool and the package-level functions that use it (Go's `grpool.Add` and friends).

use crate::builder::PoolBuilder;
use crate::context::Context;
use crate::error::{BuildError, BuildErrorKind, Error, PanicError};
use crate::handle::JobHandle;
use crate::pool::Pool;
use std::sync::OnceLock;

static DEFAULT: OnceLock<Pool> = OnceLock::new();

/// The process-wide default pool, created on first use.
///
/// It has no worker limit unless [`PoolBuilder::build_default`] set one before its first use.
/// It is shared by every library in the process, so [`Pool::close`], [`Pool::shutdown_now`]
/// and [`Pool::pause`] panic on it.
///
/// # Examples
///
/// ```
/// use grpool::Context;
///
/// let handle = grpool::spawn(&Context::background(), |_| "hello from the default pool")?;
/// assert_eq!(handle.join().unwrap(), "hello from the default pool");
/// assert_eq!(grpool::default_pool().cap(), None);
/// # Ok::<(), grpool::Error>(())
/// ```
pub fn default_pool() -> &'static Pool {
    DEFAULT.get_or_init(|| {
        PoolBuilder::new()
            .thread_name("grpool-default")
            .build_shared()
            .expect("the default configuration is valid")
    })
}

pub(crate) fn set_default(pool: Pool) -> Result<(), BuildError> {
    DEFAULT
        .set(pool)
        .map_err(|_| BuildError::new(BuildErrorKind::DefaultExists))
}

/// Adds a job to the [default pool](default_pool); see [`Pool::add`].
///
/// # Errors
///
/// As [`Pool::add`].
pub fn add<F>(ctx: &Context, f: F) -> Result<(), Error>
where
    F: FnOnce(&Context) + Send + 'static,
{
    default_pool().add(ctx, f)
}

/// Adds a job with a recover function to the [default pool](default_pool); see
/// [`Pool::add_with_recover`].
///
/// # Errors
///
/// As [`Pool::add`].
pub fn add_with_recover<F, R>(ctx: &Context, f: F, recover: R) -> Result<(), Error>
where
    F: FnOnce(&Context) + Send + 'static,
    R: FnOnce(PanicError) + Send + 'static,
{
    default_pool().add_with_recover(ctx, f, recover)
}

/// Spawns a job on the [default pool](default_pool); see [`Pool::spawn`].
///
/// # Errors
///
/// As [`Pool::add`].
pub fn spawn<F, T>(ctx: &Context, f: F) -> Result<JobHandle<T>, Error>
where
    F: FnOnce(&Context) -> T + Send + 'static,
    T: Send + 'static,
{
    default_pool().spawn(ctx, f)
}

/// Jobs queued on the [default pool](default_pool).
pub fn jobs() -> usize {
    default_pool().jobs()
}

/// Live workers of the [default pool](default_pool).
pub fn size() -> usize {
    default_pool().size()
}
