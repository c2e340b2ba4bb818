//! Error types: one per kind of failure, each documented, none of them a string.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Mutex;

/// Why a pool refused a job.
///
/// A refused job is dropped, unrun, in the caller's thread before the call returns.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The pool was closed ([`Pool::close`](crate::Pool::close)) before the job was accepted.
    Closed,
    /// The pool's bounded queue is full and the call does not wait
    /// ([`Pool::try_add`](crate::Pool::try_add)), or the call was made from one of the pool's
    /// own workers, where waiting for space could deadlock the pool.
    Full,
    /// The bounded queue stayed full for the whole timeout of
    /// [`Pool::add_timeout`](crate::Pool::add_timeout).
    Timeout,
    /// The pool had no worker and the operating system (or the pool's
    /// [spawn handler](crate::PoolBuilder::spawn_handler)) refused to start one.
    Spawn(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Closed => f.write_str("the pool is closed"),
            Error::Full => f.write_str("the pool's queue is full"),
            Error::Timeout => f.write_str("timed out waiting for room in the pool's queue"),
            Error::Spawn(e) => write!(f, "the pool has no worker and could not start one: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Spawn(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a job's result is not available from its [`JobHandle`](crate::JobHandle).
#[derive(Debug)]
#[non_exhaustive]
pub enum JobError {
    /// The job panicked; the panic is inside.
    Panicked(PanicError),
    /// The job never ran: its context was cancelled before a worker took it, or it was discarded
    /// by [`Pool::clear_jobs`](crate::Pool::clear_jobs) or
    /// [`Pool::shutdown_now`](crate::Pool::shutdown_now).
    Cancelled,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Panicked(p) => fmt::Display::fmt(p, f),
            JobError::Cancelled => f.write_str("the job was cancelled before it ran"),
        }
    }
}

impl std::error::Error for JobError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JobError::Panicked(p) => Some(p),
            JobError::Cancelled => None,
        }
    }
}

/// A panic caught while running a job.
///
/// The message is copied out when the panic is caught (for `&str` and `String` payloads, which is
/// what `panic!` produces), so [`message`](Self::message) needs no downcasting. The payload itself
/// is kept behind a mutex so that the error is `Sync`. Both are boxed together, so that a
/// `Result<T, JobError>` is not much larger than `T`.
pub struct PanicError(Box<Caught>);

struct Caught {
    message: Option<String>,
    payload: Mutex<Box<dyn Any + Send>>,
}

impl PanicError {
    pub(crate) fn new(payload: Box<dyn Any + Send>) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        PanicError(Box::new(Caught {
            message,
            payload: Mutex::new(payload),
        }))
    }

    /// The panic message, when the payload was a `&str` or a `String`.
    ///
    /// # Examples
    ///
    /// ```
    /// use grpool::{Context, JobError, Pool};
    ///
    /// let pool = Pool::new();
    /// let handle = pool.spawn(&Context::background(), |_| panic!("boom")).unwrap();
    /// match handle.join() {
    ///     Err(JobError::Panicked(p)) => assert_eq!(p.message(), Some("boom")),
    ///     other => unreachable!("{other:?}"),
    /// }
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// The payload the job panicked with, for [`std::panic::resume_unwind`] or downcasting.
    pub fn into_payload(self) -> Box<dyn Any + Send> {
        self.0
            .payload
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for PanicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PanicError")
            .field("message", &self.0.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for PanicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.message {
            Some(m) => write!(f, "job panicked: {m}"),
            None => f.write_str("job panicked"),
        }
    }
}

impl std::error::Error for PanicError {}

/// Why [`PoolBuilder::build`](crate::PoolBuilder::build) or
/// [`PoolBuilder::build_default`](crate::PoolBuilder::build_default) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    kind: BuildErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BuildErrorKind {
    ZeroLimit,
    ZeroQueueCapacity,
    DefaultExists,
}

impl BuildError {
    pub(crate) fn new(kind: BuildErrorKind) -> Self {
        BuildError { kind }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            BuildErrorKind::ZeroLimit => {
                "a pool's worker limit must be at least 1; leave the limit unset for no limit"
            }
            BuildErrorKind::ZeroQueueCapacity => {
                "a pool's queue capacity must be at least 1; leave it unset for an unbounded queue"
            }
            BuildErrorKind::DefaultExists => {
                "the default pool already exists; configure it with `build_default` before its first use"
            }
        })
    }
}

impl std::error::Error for BuildError {}
