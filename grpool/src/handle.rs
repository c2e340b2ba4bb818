//! `JobHandle`: the result of a spawned job, to block on or to `.await`.
//!
//! A spawned job has two parts. Its closure travels in the queue like any job's (inline when it
//! is small, see `job.rs`). Its [`Slot`] holds the context and the result, and is shared with
//! the handle. The slot's stage moves `Pending → Done → Taken` under the slot's mutex; the
//! joining thread (if one waits) is signalled and the stored waker woken after the move into
//! `Done`.
//!
//! Slots are recycled. A worker that finishes a job whose handle is already gone holds the
//! slot's last reference; it empties the slot and keeps it in the pool's [`Spares`], where the
//! next `spawn` with the same result type finds it. So fire-and-forget `spawn` allocates nothing
//! once the pool is warm, and its slot never crosses the allocator from one thread to another.

use crate::context::Context;
use crate::error::JobError;
use crate::job::PanicHandler;
use crate::queue::Queue;
use crate::sync::{get_mut, lock, wait, Arc, AtomicBool, Condvar, Mutex, Ordering::SeqCst};
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Poll, Waker};

/// How many emptied slots a pool keeps for later `spawn`s. Enough to cover the slots in flight
/// between a worker's return and the next `spawn` on a busy pool; a deeper backlog of spawned
/// jobs needs fresh slots whatever the number.
const SPARE_SLOTS: usize = 1024;

/// The largest slot kept (a result of up to about 64 bytes), so that spares hold at most
/// `SPARE_SLOTS * SPARE_SIZE` bytes, 128 KiB; an idle pool with no worker left frees them.
const SPARE_SIZE: usize = 128;

enum Stage<T> {
    Pending,
    Done(Result<T, JobError>),
    Taken,
}

struct State<T> {
    stage: Stage<T>,
    waker: Option<Waker>,
    /// A thread is blocked in `join`: only then is `done` signalled.
    joining: bool,
}

/// A spawned job's context and result, shared by the queued job and its [`JobHandle`].
pub(crate) struct Slot<T> {
    ctx: Context,
    state: Mutex<State<T>>,
    done: Condvar,
    /// The handle was dropped: nobody will read the result. Set without the lock (a handle
    /// dropped at once is the common case of fire-and-forget `spawn`). A result stored just
    /// before the flag is set stays in the slot until the slot is emptied or freed.
    detached: AtomicBool,
}

impl<T> Slot<T> {
    fn new(ctx: Context) -> Self {
        Slot {
            ctx,
            state: Mutex::new(State {
                stage: Stage::Pending,
                waker: None,
                joining: false,
            }),
            done: Condvar::new(),
            detached: AtomicBool::new(false),
        }
    }

    /// The job's context.
    pub(crate) fn context(&self) -> &Context {
        &self.ctx
    }

    /// Stores the job's result for the handle. If the handle is gone, the value is dropped here
    /// and a panic goes to the pool's handler instead.
    pub(crate) fn finish(&self, result: Result<T, JobError>, panic_handler: Option<&PanicHandler>) {
        if self.detached.load(SeqCst) {
            return discard(result, panic_handler);
        }
        let (waker, joining) = {
            let mut state = lock(&self.state);
            state.stage = Stage::Done(result);
            (state.waker.take(), std::mem::take(&mut state.joining))
        };
        if joining {
            self.done.notify_one();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Ends the job without running it: the handle yields [`JobError::Cancelled`].
    pub(crate) fn cancel(&self) {
        self.finish(Err(JobError::Cancelled), None);
    }

    fn poll_result(&self, waker: &Waker) -> Poll<Result<T, JobError>> {
        let mut state = lock(&self.state);
        match std::mem::replace(&mut state.stage, Stage::Taken) {
            Stage::Done(result) => Poll::Ready(result),
            Stage::Taken => panic!("`JobHandle` polled after it returned `Poll::Ready`"),
            Stage::Pending => {
                state.stage = Stage::Pending;
                match &state.waker {
                    Some(w) if w.will_wake(waker) => {}
                    _ => state.waker = Some(waker.clone()),
                }
                Poll::Pending
            }
        }
    }

    fn wait(&self) -> Result<T, JobError> {
        let mut state = lock(&self.state);
        loop {
            match std::mem::replace(&mut state.stage, Stage::Taken) {
                Stage::Done(result) => return result,
                Stage::Taken => {
                    panic!("`JobHandle::join` after the handle was polled to completion")
                }
                Stage::Pending => state.stage = Stage::Pending,
            }
            state.joining = true;
            state = wait(&self.done, state);
        }
    }

    fn is_finished(&self) -> bool {
        !matches!(lock(&self.state).stage, Stage::Pending)
    }
}

/// Disposes of a result nobody will read: a panic goes to the pool's handler, a value is
/// dropped. Either may panic in turn; that is contained.
fn discard<T>(result: Result<T, JobError>, panic_handler: Option<&PanicHandler>) {
    let _ = catch_unwind(AssertUnwindSafe(move || match result {
        Err(JobError::Panicked(panic)) => {
            if let Some(handler) = panic_handler {
                handler(panic);
            }
        }
        unread => drop(unread),
    }));
}

/// Emptied slots, kept for the next `spawn` (at most [`SPARE_SLOTS`]). A pool spawns jobs of
/// many result types, so a spare is kept as `dyn Any` and taken only by a `spawn` of its type.
pub(crate) struct Spares(Queue<Arc<dyn Any + Send + Sync>>);

impl Spares {
    pub(crate) fn new() -> Self {
        Spares(Queue::new(Some(SPARE_SLOTS)))
    }

    /// A slot for a new job: a spare one when the next spare has the right type, else a new one.
    pub(crate) fn take<T: Send + 'static>(&self, ctx: &Context) -> Arc<Slot<T>> {
        if let Some(spare) = self.0.pop() {
            if let Ok(mut slot) = spare.downcast::<Slot<T>>() {
                if let Some(fresh) = Arc::get_mut(&mut slot) {
                    fresh.ctx = ctx.clone();
                    return slot;
                }
            }
        }
        Arc::new(Slot::new(ctx.clone()))
    }

    /// Keeps `slot` for a later `spawn` if nothing else holds it (its handle is gone), emptied;
    /// otherwise, or when enough slots are spare, just lets it go. A panic the handle never
    /// read (it was dropped just after the result was stored) goes to the panic handler.
    pub(crate) fn put<T: Send + 'static>(
        &self,
        mut slot: Arc<Slot<T>>,
        panic_handler: Option<&PanicHandler>,
    ) {
        if std::mem::size_of::<Slot<T>>() > SPARE_SIZE {
            return;
        }
        let Some(unique) = Arc::get_mut(&mut slot) else {
            return;
        };
        let state = get_mut(&mut unique.state);
        let stage = std::mem::replace(&mut state.stage, Stage::Pending);
        let waker = state.waker.take();
        state.joining = false;
        // A swap, not a store: it reads the handle's `true`, which orders the two writes for
        // loom too (the `Arc` count that proves the handle is gone is invisible to it).
        unique.detached.swap(false, SeqCst);
        let ctx = std::mem::replace(&mut unique.ctx, Context::background());
        if let Stage::Done(result) = stage {
            discard(result, panic_handler);
        }
        // The old context's values and the waker may panic on drop too; the slot is kept.
        let _ = catch_unwind(AssertUnwindSafe(move || drop((waker, ctx))));
        let _ = self.0.push(slot);
    }

    /// Frees every spare slot.
    pub(crate) fn clear(&self) {
        while self.0.pop().is_some() {}
    }
}

/// The handle of a job started with [`Pool::spawn`](crate::Pool::spawn): join it for the job's
/// result, or `.await` it (no async runtime needed).
///
/// Dropping the handle detaches the job: it still runs, its result is dropped, and if it panics
/// the panic goes to the pool's [panic handler](crate::PoolBuilder::panic_handler). A result
/// the job had already stored when the handle is dropped, a caught panic included, is dropped
/// with the handle (the panic is still counted in [`Stats`](crate::Stats)). Detached jobs cost
/// no allocation for their handle once the pool is warm: the pool reuses their result slots.
///
/// # Examples
///
/// ```
/// use grpool::{Context, Pool};
///
/// let pool = Pool::with_limit(2);
/// let handle = pool.spawn(&Context::background(), |_| 6 * 7).unwrap();
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
#[must_use = "dropping a `JobHandle` detaches the job; call `join` to wait for its result"]
pub struct JobHandle<T> {
    slot: Arc<Slot<T>>,
}

impl<T> JobHandle<T> {
    pub(crate) fn new(slot: Arc<Slot<T>>) -> Self {
        JobHandle { slot }
    }

    /// Blocks until the job has ended and returns its result.
    ///
    /// # Errors
    ///
    /// [`JobError::Panicked`] if the job panicked, [`JobError::Cancelled`] if it never ran.
    pub fn join(self) -> Result<T, JobError> {
        self.slot.wait()
    }

    /// Whether the job has ended, so that [`join`](Self::join) would not block.
    pub fn is_finished(&self) -> bool {
        self.slot.is_finished()
    }
}

impl<T> Future for JobHandle<T> {
    type Output = Result<T, JobError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        self.slot.poll_result(cx.waker())
    }
}

impl<T> Drop for JobHandle<T> {
    fn drop(&mut self) {
        self.slot.detached.store(true, SeqCst);
    }
}

impl<T> fmt::Debug for JobHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PanicError;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// Counts its drops, and panics on drop when asked.
    struct Probe(std::sync::Arc<AtomicUsize>, bool);

    impl Drop for Probe {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
            if self.1 {
                panic!("probe panics on drop");
            }
        }
    }

    #[test]
    fn a_slot_is_kept_only_when_nothing_else_holds_it() {
        let spares = Spares::new();
        let slot = spares.take::<u32>(&Context::background());
        let handle = JobHandle::new(slot.clone());
        spares.put(slot, None);
        assert!(spares.0.is_empty(), "the handle still holds the slot");
        drop(handle);

        let slot = spares.take::<u32>(&Context::background());
        let kept = Arc::as_ptr(&slot) as usize;
        spares.put(slot, None);
        assert_eq!(spares.0.len(), 1);
        let again = spares.take::<u32>(&Context::background());
        assert_eq!(Arc::as_ptr(&again) as usize, kept, "the spare is reused");
        spares.put(again, None);
        // A spawn of another result type does not take it.
        let other = spares.take::<String>(&Context::background());
        assert!(spares.0.is_empty());
        drop(other);
    }

    #[test]
    fn a_reused_slot_starts_empty_with_its_new_context() {
        let spares = Spares::new();
        let (ctx, cancel) = Context::background().with_cancel();
        let slot = spares.take::<u32>(&ctx);
        slot.finish(Ok(5), None);
        spares.put(slot, None);
        cancel.cancel();
        let slot = spares.take::<u32>(&Context::background());
        assert!(!slot.context().is_cancelled(), "the old context is gone");
        let handle = JobHandle::new(slot.clone());
        assert!(!handle.is_finished(), "the old result is gone");
        slot.finish(Ok(6), None);
        assert_eq!(handle.join().unwrap(), 6);
    }

    #[test]
    fn an_unread_result_is_dropped_once_and_an_unread_panic_is_handed_on() {
        let spares = Spares::new();
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        // A value stored just before its handle went: dropped when the slot is emptied, even if
        // its destructor panics; the slot is still reused.
        for panics in [false, true] {
            let slot = spares.take::<Probe>(&Context::background());
            slot.finish(Ok(Probe(drops.clone(), panics)), None);
            spares.put(slot, None);
        }
        assert_eq!((drops.load(SeqCst), spares.0.len()), (2, 1));

        // A panic stored the same way goes to the pool's handler.
        let handled = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = handled.clone();
        let handler = move |p: PanicError| {
            assert_eq!(p.message(), Some("lost"));
            counted.fetch_add(1, SeqCst);
        };
        let slot = spares.take::<()>(&Context::background());
        slot.finish(
            Err(JobError::Panicked(PanicError::new(Box::new("lost")))),
            None,
        );
        spares.put(slot, Some(&handler));
        assert_eq!(handled.load(SeqCst), 1);
    }

    #[test]
    fn large_slots_are_not_kept_and_clear_frees_the_spares() {
        let spares = Spares::new();
        let big = spares.take::<[u64; 32]>(&Context::background());
        spares.put(big, None);
        assert!(spares.0.is_empty());
        let slot = spares.take::<u8>(&Context::background());
        spares.put(slot, None);
        assert_eq!(spares.0.len(), 1);
        spares.clear();
        assert!(spares.0.is_empty());
    }
}
