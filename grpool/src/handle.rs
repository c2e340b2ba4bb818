//! `JobHandle`: the result of a spawned job, to block on or to `.await`.
//!
//! The handle and the queued job share one `Task` allocation. The task's stage moves
//! `Pending → Running → Done → Taken` (or `Pending → Done(Cancelled)`), always under the task's
//! mutex; `done` is signalled and the stored waker woken after every move into `Done`.

use crate::context::Context;
use crate::error::JobError;
use crate::job::{Outcome, PanicHandler};
use crate::sync::{lock, wait, AtomicBool, Condvar, Mutex, Ordering::SeqCst};
use crate::PanicError;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};

enum Stage<F, T> {
    Pending(F),
    Running,
    Done(Result<T, JobError>),
    Taken,
}

struct TaskState<F, T> {
    stage: Stage<F, T>,
    waker: Option<Waker>,
}

/// A spawned job and its result slot, shared by the queue and the [`JobHandle`].
pub(crate) struct Task<F, T> {
    ctx: Context,
    state: Mutex<TaskState<F, T>>,
    done: Condvar,
    /// The handle was dropped: nobody will read the result. Set without the lock (a handle
    /// dropped at once is the common case of fire-and-forget `spawn`); read under it when the
    /// result is stored. A result stored just before the flag is set simply stays in the task
    /// until the last `Arc` goes.
    detached: AtomicBool,
}

impl<F, T> Task<F, T>
where
    F: FnOnce(&Context) -> T + Send,
    T: Send,
{
    pub(crate) fn new(ctx: Context, f: F) -> Self {
        Task {
            ctx,
            state: Mutex::new(TaskState {
                stage: Stage::Pending(f),
                waker: None,
            }),
            done: Condvar::new(),
            detached: AtomicBool::new(false),
        }
    }

    pub(crate) fn run(&self, panic_handler: Option<&PanicHandler>) -> Outcome {
        if self.ctx.is_cancelled() {
            self.cancel();
            return Outcome::Cancelled;
        }
        let f = {
            let mut state = lock(&self.state);
            match std::mem::replace(&mut state.stage, Stage::Running) {
                Stage::Pending(f) => f,
                other => {
                    state.stage = other;
                    return Outcome::Completed;
                }
            }
        };
        match catch_unwind(AssertUnwindSafe(|| f(&self.ctx))) {
            Ok(value) => {
                self.finish(Ok(value), None);
                Outcome::Completed
            }
            Err(payload) => {
                self.finish(Err(payload), panic_handler);
                Outcome::Panicked
            }
        }
    }

    pub(crate) fn cancel(&self) {
        let pending = {
            let mut state = lock(&self.state);
            match state.stage {
                Stage::Pending(_) => std::mem::replace(&mut state.stage, Stage::Running),
                _ => return,
            }
        };
        // The closure's captures may panic on drop; the handle still learns the job's fate.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(pending)));
        self.store(Err(JobError::Cancelled), None);
    }

    /// Stores the result for the handle, under one lock; if the handle is gone, drops the
    /// value or sends the panic to the pool's handler instead.
    fn finish(
        &self,
        result: Result<T, Box<dyn std::any::Any + Send>>,
        panic_handler: Option<&PanicHandler>,
    ) {
        self.store(
            result.map_err(|p| JobError::Panicked(PanicError::new(p))),
            panic_handler,
        );
    }

    fn store(&self, result: Result<T, JobError>, panic_handler: Option<&PanicHandler>) {
        let (waker, unread) = {
            let mut state = lock(&self.state);
            if self.detached.load(SeqCst) {
                (None, Some(result))
            } else {
                state.stage = Stage::Done(result);
                (state.waker.take(), None)
            }
        };
        match unread {
            // Nobody will look: the panic goes to the handler, the value is dropped here.
            Some(Err(JobError::Panicked(panic))) => {
                if let Some(handler) = panic_handler {
                    let _ = catch_unwind(AssertUnwindSafe(|| handler(panic)));
                }
            }
            Some(unread) => {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(unread)));
            }
            None => {
                self.done.notify_all();
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        }
    }
}

/// What a [`JobHandle`] needs of its task, whatever the job's closure type.
trait Completion<T>: Send + Sync {
    fn poll_result(&self, waker: &Waker) -> Poll<Result<T, JobError>>;
    fn wait(&self) -> Result<T, JobError>;
    fn is_finished(&self) -> bool;
    fn detach(&self);
}

impl<F: Send, T: Send> Completion<T> for Task<F, T> {
    fn poll_result(&self, waker: &Waker) -> Poll<Result<T, JobError>> {
        let mut state = lock(&self.state);
        match std::mem::replace(&mut state.stage, Stage::Taken) {
            Stage::Done(result) => Poll::Ready(result),
            Stage::Taken => panic!("`JobHandle` polled after it returned `Poll::Ready`"),
            other => {
                state.stage = other;
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
                other => state.stage = other,
            }
            state = wait(&self.done, state);
        }
    }

    fn is_finished(&self) -> bool {
        matches!(lock(&self.state).stage, Stage::Done(_) | Stage::Taken)
    }

    fn detach(&self) {
        self.detached.store(true, SeqCst);
    }
}

/// The handle of a job started with [`Pool::spawn`](crate::Pool::spawn): join it for the job's
/// result, or `.await` it (no async runtime needed).
///
/// Dropping the handle detaches the job: it still runs, its result is dropped, and if it panics
/// the panic goes to the pool's [panic handler](crate::PoolBuilder::panic_handler).
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
    task: Arc<dyn Completion<T>>,
}

impl<T: Send + 'static> JobHandle<T> {
    pub(crate) fn new<F>(task: Arc<Task<F, T>>) -> Self
    where
        F: FnOnce(&Context) -> T + Send + 'static,
    {
        JobHandle { task }
    }
}

impl<T> JobHandle<T> {
    /// Blocks until the job has ended and returns its result.
    ///
    /// # Errors
    ///
    /// [`JobError::Panicked`] if the job panicked, [`JobError::Cancelled`] if it never ran.
    pub fn join(self) -> Result<T, JobError> {
        self.task.wait()
    }

    /// Whether the job has ended, so that [`join`](Self::join) would not block.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl<T> Future for JobHandle<T> {
    type Output = Result<T, JobError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        self.task.poll_result(cx.waker())
    }
}

impl<T> Drop for JobHandle<T> {
    fn drop(&mut self) {
        self.task.detach();
    }
}

impl<T> fmt::Debug for JobHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
