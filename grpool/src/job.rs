//! Jobs as the queue holds them: one allocation each, context included.
//!
//! A job added with `add` or `add_with_recover` is a `Box` that owns its closure and context.
//! A job added with `spawn` is an `Arc<Task>` shared with its [`JobHandle`](crate::JobHandle): the
//! closure, the context and the result slot live in that one allocation, so a handle costs no
//! extra allocation. [`Job`] ends every job exactly once: it is run, or cancelled (its handle then
//! yields [`JobError::Cancelled`](crate::JobError::Cancelled)); a job dropped without either is
//! cancelled by `Job`'s destructor, so no handle ever waits for a job that is gone.

use crate::context::Context;
use crate::error::PanicError;
use crate::handle::Task;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// The pool's panic handler, as the builder stores it.
pub(crate) type PanicHandler = dyn Fn(PanicError) + Send + Sync;

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Completed,
    Panicked,
    /// Its context was cancelled before it started: it did not run.
    Cancelled,
}

/// A job owned by the queue alone.
pub(crate) trait OwnedJob: Send {
    /// Runs the job unless its context is cancelled, catching its panic.
    fn run(self: Box<Self>, panic_handler: Option<&PanicHandler>) -> Outcome;
}

/// A job whose allocation is shared with a handle.
pub(crate) trait SharedJob: Send + Sync {
    /// Runs the job unless its context is cancelled, catching its panic.
    fn run(self: Arc<Self>, panic_handler: Option<&PanicHandler>) -> Outcome;
    fn cancel(self: Arc<Self>);
}

enum Kind {
    Owned(Box<dyn OwnedJob>),
    Shared(Arc<dyn SharedJob>),
}

/// A queued job. Dropping it unrun cancels it.
pub(crate) struct Job(Option<Kind>);

impl Job {
    pub(crate) fn owned(job: Box<dyn OwnedJob>) -> Job {
        Job(Some(Kind::Owned(job)))
    }

    pub(crate) fn shared(job: Arc<dyn SharedJob>) -> Job {
        Job(Some(Kind::Shared(job)))
    }

    /// The address of the job's allocation: its identity while it is queued.
    pub(crate) fn id(&self) -> usize {
        match &self.0 {
            Some(Kind::Owned(b)) => &**b as *const dyn OwnedJob as *const () as usize,
            Some(Kind::Shared(a)) => Arc::as_ptr(a) as *const () as usize,
            None => 0,
        }
    }

    /// Runs the job unless its context is cancelled (one dynamic call either way). Every
    /// panic, the closure's or a destructor's, is caught inside and counts as the job's.
    pub(crate) fn run(mut self, panic_handler: Option<&PanicHandler>) -> Outcome {
        match self.0.take() {
            Some(Kind::Owned(b)) => b.run(panic_handler),
            Some(Kind::Shared(a)) => a.run(panic_handler),
            None => Outcome::Completed,
        }
    }

    /// Ends the job without running it. A panic from a capture's destructor is contained.
    pub(crate) fn cancel(mut self) {
        let kind = self.0.take();
        let _ = catch_unwind(AssertUnwindSafe(|| match kind {
            Some(Kind::Shared(a)) => a.cancel(),
            Some(Kind::Owned(b)) => drop(b),
            None => {}
        }));
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if self.0.is_some() {
            Job(self.0.take()).cancel();
        }
    }
}

/// Drops a job that will not run; a panic from one of its captures' destructors is contained.
fn cancelled<T: ?Sized>(job: Box<T>) -> Outcome {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(job)));
    Outcome::Cancelled
}

/// Calls `f` with the panic, containing any panic of its own.
pub(crate) fn deliver_panic<F: FnOnce(PanicError)>(payload: Box<dyn std::any::Any + Send>, f: F) {
    let error = PanicError::new(payload);
    let _ = catch_unwind(AssertUnwindSafe(|| f(error)));
}

/// A job from `add`, `try_add` or `add_timeout`.
pub(crate) struct Plain<F> {
    pub(crate) ctx: Context,
    pub(crate) f: F,
}

impl<F: FnOnce(&Context) + Send> OwnedJob for Plain<F> {
    fn run(self: Box<Self>, panic_handler: Option<&PanicHandler>) -> Outcome {
        if self.ctx.is_cancelled() {
            return cancelled(self);
        }
        // The closure and its captures are consumed (and dropped) inside `catch_unwind`.
        let Plain { ctx, f } = *self;
        match catch_unwind(AssertUnwindSafe(|| f(&ctx))) {
            Ok(()) => Outcome::Completed,
            Err(payload) => {
                if let Some(handler) = panic_handler {
                    deliver_panic(payload, handler);
                }
                Outcome::Panicked
            }
        }
    }
}

/// A job from `add_with_recover`.
pub(crate) struct WithRecover<F, R> {
    pub(crate) ctx: Context,
    pub(crate) f: F,
    pub(crate) recover: R,
}

impl<F, R> OwnedJob for WithRecover<F, R>
where
    F: FnOnce(&Context) + Send,
    R: FnOnce(PanicError) + Send,
{
    fn run(self: Box<Self>, _: Option<&PanicHandler>) -> Outcome {
        if self.ctx.is_cancelled() {
            return cancelled(self);
        }
        let WithRecover { ctx, f, recover } = *self;
        match catch_unwind(AssertUnwindSafe(|| f(&ctx))) {
            Ok(()) => Outcome::Completed,
            Err(payload) => {
                deliver_panic(payload, recover);
                Outcome::Panicked
            }
        }
    }
}

impl<F, T> SharedJob for Task<F, T>
where
    F: FnOnce(&Context) -> T + Send,
    T: Send,
{
    fn run(self: Arc<Self>, panic_handler: Option<&PanicHandler>) -> Outcome {
        Task::run(&self, panic_handler)
    }

    fn cancel(self: Arc<Self>) {
        Task::cancel(&self);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_job_is_three_words() {
        assert_eq!(
            std::mem::size_of::<super::Job>(),
            3 * std::mem::size_of::<usize>()
        );
    }
}
