//! Jobs as the queue holds them: in the queue's own slot, context included.
//!
//! Every job is a [`Job`]: a `SmallBox<dyn Run>` with three words of inline space. A job added
//! with `add`, `try_add`, `add_timeout` or `add_with_recover` stores its context and closure
//! there when they fit (a closure holding an `Arc` or two, or a few integers), and on the heap
//! otherwise. A job added with `spawn` stores its closure and the `Arc` of its result slot,
//! which holds the context and is shared with its [`JobHandle`](crate::JobHandle) (see
//! `handle.rs`). Either way a queued job costs one queue slot, and small jobs allocate nothing.
//!
//! A job ends exactly once: it is run, or cancelled (its handle then yields
//! [`JobError::Cancelled`](crate::JobError::Cancelled)); a job dropped without either is
//! cancelled by `Job`'s destructor, so no handle ever waits for a job that is gone.

use crate::context::Context;
use crate::error::{JobError, PanicError};
use crate::handle::{Slot, Spares};
use crate::sync::Arc;
use smallbox::SmallBox;
use std::panic::{catch_unwind, AssertUnwindSafe};

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

/// What a worker lends the job it runs.
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    pub(crate) panic_handler: Option<&'a PanicHandler>,
    /// Where a spawned job leaves its result slot once its handle is gone.
    pub(crate) spares: &'a Spares,
}

/// What the queue can do with a job. Each method is called at most once, and only one of them.
pub(crate) trait Run: Send {
    /// Runs the job unless its context is cancelled, catching its panic. Never panics.
    fn run(&mut self, env: Env<'_>) -> Outcome;
    /// Ends the job without running it.
    fn cancel(&mut self);
}

/// Three words of inline space: a context and a two-word closure, or a spawned job's `Arc`.
type Space = [usize; 3];

/// A queued job. Dropping it unrun cancels it.
pub(crate) struct Job(Option<SmallBox<dyn Run, Space>>);

impl Job {
    pub(crate) fn new<J: Run + 'static>(job: J) -> Job {
        // SAFETY: `smallbox!` builds the box from the value it moves and a pointer derived from
        // that same value (`addr_of!`), which is the whole contract of its unsafe constructor;
        // this is the only unsafe code in the crate (see `DESIGN.md`, "Inline jobs").
        #[allow(unsafe_code)]
        let inline: SmallBox<dyn Run, Space> = smallbox::smallbox!(job);
        Job(Some(inline))
    }

    /// Runs the job unless its context is cancelled (one dynamic call either way). Every
    /// panic, the closure's or a destructor's, is caught and counts as the job's.
    pub(crate) fn run(mut self, env: Env<'_>) -> Outcome {
        let Some(mut job) = self.0.take() else {
            return Outcome::Completed;
        };
        let outcome = job.run(env);
        // What is left (the context, an emptied closure slot) can only panic on drop through a
        // value it carries; contain that like the job's own panic.
        match catch_unwind(AssertUnwindSafe(move || drop(job))) {
            Ok(()) => outcome,
            Err(_) => Outcome::Panicked,
        }
    }

    /// Ends the job without running it. A panic from a capture's destructor is contained.
    pub(crate) fn cancel(mut self) {
        if let Some(mut job) = self.0.take() {
            let _ = catch_unwind(AssertUnwindSafe(move || {
                job.cancel();
                drop(job);
            }));
        }
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

impl<F: FnOnce(&Context) + Send> Run for Plain<F> {
    fn run(&mut self, env: Env<'_>) -> Outcome {
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
                if let Some(handler) = env.panic_handler {
                    deliver_panic(payload, handler);
                }
                Outcome::Panicked
            }
        }
    }

    fn cancel(&mut self) {
        self.f = None;
    }
}

/// A job from `add_with_recover`.
pub(crate) struct WithRecover<F, R> {
    pub(crate) ctx: Context,
    pub(crate) f: Option<(F, R)>,
}

impl<F, R> Run for WithRecover<F, R>
where
    F: FnOnce(&Context) + Send,
    R: FnOnce(PanicError) + Send,
{
    fn run(&mut self, _: Env<'_>) -> Outcome {
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

    fn cancel(&mut self) {
        self.f = None;
    }
}

/// A job from `spawn`, as the queue holds it: its closure and the result slot it shares with
/// its handle.
pub(crate) struct Spawned<F, T> {
    f: Option<F>,
    slot: Option<Arc<Slot<T>>>,
}

impl<F, T> Spawned<F, T> {
    pub(crate) fn new(f: F, slot: Arc<Slot<T>>) -> Self {
        Spawned {
            f: Some(f),
            slot: Some(slot),
        }
    }
}

impl<F, T> Run for Spawned<F, T>
where
    F: FnOnce(&Context) -> T + Send,
    T: Send + 'static,
{
    fn run(&mut self, env: Env<'_>) -> Outcome {
        let (Some(f), Some(slot)) = (self.f.take(), self.slot.take()) else {
            return Outcome::Completed;
        };
        let outcome = if slot.context().is_cancelled() {
            let outcome = cancelled(f);
            slot.cancel();
            outcome
        } else {
            match catch_unwind(AssertUnwindSafe(|| f(slot.context()))) {
                Ok(value) => {
                    slot.finish(Ok(value), None);
                    Outcome::Completed
                }
                Err(payload) => {
                    slot.finish(
                        Err(JobError::Panicked(PanicError::new(payload))),
                        env.panic_handler,
                    );
                    Outcome::Panicked
                }
            }
        };
        env.spares.put(slot, env.panic_handler);
        outcome
    }

    fn cancel(&mut self) {
        // The closure first: its captures may panic on drop, and the handle must still learn.
        if let Some(f) = self.f.take() {
            cancelled(f);
        }
        if let Some(slot) = self.slot.take() {
            slot.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[test]
    fn a_queued_job_is_five_words() {
        // Three words of inline space and a fat pointer.
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

    fn env() -> Env<'static> {
        Env {
            panic_handler: None,
            spares: Box::leak(Box::new(Spares::new())),
        }
    }

    fn plain<F: FnOnce(&Context) + Send + 'static>(f: F) -> Job {
        Job::new(Plain {
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
        assert!(std::mem::size_of::<[u64; 16]>() > std::mem::size_of::<Space>());
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
            assert_eq!(job.run(env()), Outcome::Completed);
        }
        assert_eq!((ran.load(SeqCst), drops.load(SeqCst)), (3, 3));
    }

    #[test]
    fn cancelled_and_dropped_jobs_drop_their_captures_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (ctx, cancel) = Context::background().with_cancel();
        cancel.cancel();
        let p = Probe(drops.clone(), false);
        let job = Job::new(Plain {
            ctx,
            f: Some(move |_: &Context| drop(p)),
        });
        assert_eq!(job.run(env()), Outcome::Cancelled);
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
        assert_eq!(job.run(env()), Outcome::Panicked);
        let p = Probe(drops.clone(), true);
        plain(move |_| drop(p)).cancel();
        assert_eq!(drops.load(SeqCst), 2);
    }
}
