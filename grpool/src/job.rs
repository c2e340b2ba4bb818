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
use smallbox::space::S2;
use smallbox::SmallBox;
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
    /// Runs the job unless its context is cancelled, catching its panic. Called once; it takes
    /// the closure out, and the rest is dropped with the job.
    fn run(&mut self, panic_handler: Option<&PanicHandler>) -> Outcome;
}

/// Where an owned job lives: inline, in the queue's own slot, when the job (context and
/// closure) fits in two words, which is the common case of a closure holding an `Arc` or a few
/// integers; on the heap otherwise.
type Inline = SmallBox<dyn OwnedJob, S2>;

/// A job whose allocation is shared with a handle.
pub(crate) trait SharedJob: Send + Sync {
    /// Runs the job unless its context is cancelled, catching its panic.
    fn run(self: Arc<Self>, panic_handler: Option<&PanicHandler>) -> Outcome;
    fn cancel(self: Arc<Self>);
}

enum Kind {
    Owned(Inline),
    Shared(Arc<dyn SharedJob>),
}

/// A queued job. Dropping it unrun cancels it.
pub(crate) struct Job(Option<Kind>);

impl Job {
    pub(crate) fn owned<J: OwnedJob + 'static>(job: J) -> Job {
        // SAFETY: `smallbox!` builds the box from the value it moves and a pointer derived from
        // that same value (`addr_of!`), which is the whole contract of its unsafe constructor;
        // this is the only unsafe code in the crate (see `DESIGN.md`, "Inline jobs").
        #[allow(unsafe_code)]
        let inline: Inline = smallbox::smallbox!(job);
        Job(Some(Kind::Owned(inline)))
    }

    pub(crate) fn shared(job: Arc<dyn SharedJob>) -> Job {
        Job(Some(Kind::Shared(job)))
    }

    /// Runs the job unless its context is cancelled (one dynamic call either way). Every
    /// panic, the closure's or a destructor's, is caught inside and counts as the job's.
    pub(crate) fn run(mut self, panic_handler: Option<&PanicHandler>) -> Outcome {
        match self.0.take() {
            Some(Kind::Owned(mut job)) => {
                let outcome = job.run(panic_handler);
                // The rest of the job (its context) can panic on drop only through a value it
                // carries; contain it like the job's own panic.
                match catch_unwind(AssertUnwindSafe(move || drop(job))) {
                    Ok(()) => outcome,
                    Err(_) => Outcome::Panicked,
                }
            }
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
fn cancelled<T>(job: T) -> Outcome {
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
    pub(crate) f: Option<F>,
}

impl<F: FnOnce(&Context) + Send> OwnedJob for Plain<F> {
    fn run(&mut self, panic_handler: Option<&PanicHandler>) -> Outcome {
        let Some(f) = self.f.take() else {
            return Outcome::Completed;
        };
        if self.ctx.is_cancelled() {
            return cancelled(f);
        }
        // The closure and its captures are consumed (and dropped) inside `catch_unwind`.
        let ctx = &self.ctx;
        match catch_unwind(AssertUnwindSafe(|| f(ctx))) {
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
    pub(crate) f: Option<(F, R)>,
}

impl<F, R> OwnedJob for WithRecover<F, R>
where
    F: FnOnce(&Context) + Send,
    R: FnOnce(PanicError) + Send,
{
    fn run(&mut self, _: Option<&PanicHandler>) -> Outcome {
        let Some((f, recover)) = self.f.take() else {
            return Outcome::Completed;
        };
        if self.ctx.is_cancelled() {
            return cancelled((f, recover));
        }
        let ctx = &self.ctx;
        match catch_unwind(AssertUnwindSafe(|| f(ctx))) {
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
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[test]
    fn a_queued_job_is_five_words() {
        // An inline job (two words of space, a fat pointer) or a shared one, and the tag.
        assert_eq!(std::mem::size_of::<Job>(), 5 * std::mem::size_of::<usize>());
    }

    /// Counts drops, and panics on drop when asked: the inline box must drop every capture
    /// exactly once whether the job runs, is cancelled, or is dropped unrun.
    struct Probe(Arc<AtomicUsize>, bool);

    impl Drop for Probe {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
            if self.1 {
                panic!("probe panics on drop");
            }
        }
    }

    fn plain<F: FnOnce(&Context) + Send + 'static>(f: F) -> Job {
        Job::owned(Plain {
            ctx: Context::background(),
            f: Some(f),
        })
    }

    #[test]
    fn inline_and_heap_jobs_run_once_and_drop_their_captures_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        #[repr(align(64))]
        struct Aligned(u8);
        // Small (inline), zero-sized, large (heap) and over-aligned (heap) captures.
        let (p1, r1) = (Probe(drops.clone(), false), ran.clone());
        let small = plain(move |_| {
            let _keep = &p1;
            r1.fetch_add(1, SeqCst);
        });
        let zst = plain(|_| {});
        let (p2, r2, big) = (Probe(drops.clone(), false), ran.clone(), [7u64; 16]);
        let large = plain(move |_| {
            let _keep = &p2;
            assert_eq!(big.iter().sum::<u64>(), 112);
            r2.fetch_add(1, SeqCst);
        });
        let (p3, r3, aligned) = (Probe(drops.clone(), false), ran.clone(), Aligned(9));
        let over_aligned = plain(move |_| {
            let _keep = &p3;
            assert_eq!(&aligned as *const Aligned as usize % 64, 0);
            assert_eq!(aligned.0, 9);
            r3.fetch_add(1, SeqCst);
        });
        for job in [small, zst, large, over_aligned] {
            assert_eq!(job.run(None), Outcome::Completed);
        }
        assert_eq!((ran.load(SeqCst), drops.load(SeqCst)), (3, 3));
    }

    #[test]
    fn cancelled_and_dropped_jobs_drop_their_captures_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (ctx, cancel) = Context::background().with_cancel();
        cancel.cancel();
        let p = Probe(drops.clone(), false);
        let job = Job::owned(Plain {
            ctx,
            f: Some(move |_: &Context| drop(p)),
        });
        assert_eq!(job.run(None), Outcome::Cancelled);
        let p = Probe(drops.clone(), false);
        drop(plain(move |_| drop(p)));
        let p = Probe(drops.clone(), false);
        plain(move |_| drop(p)).cancel();
        assert_eq!(drops.load(SeqCst), 3);
    }

    #[test]
    fn a_capture_that_panics_on_drop_is_contained() {
        let drops = Arc::new(AtomicUsize::new(0));
        let p = Probe(drops.clone(), true);
        let job = plain(move |_| {
            let _p = p;
        });
        assert_eq!(job.run(None), Outcome::Panicked);
        let p = Probe(drops.clone(), true);
        plain(move |_| drop(p)).cancel();
        assert_eq!(drops.load(SeqCst), 2);
    }
}
