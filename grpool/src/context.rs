//! `Context`: cancellation, deadlines and request-scoped values for jobs, after Go's `context`.
//!
//! A context is a chain of immutable nodes. Each node points at its parent and at the nearest
//! cancellable scope (`Scope`), so `is_cancelled` is one pointer hop whatever the chain's length.
//! Scopes form a tree: a scope holds weak links to its children and cancels them when it is
//! cancelled; a child made after its parent was cancelled starts cancelled. A deadline is stored
//! as the earlier of a scope's own and its parent's, so it is checked without walking the tree,
//! and waiting threads wake at it by themselves (no timer thread).
//!
//! The context is not part of the pool's state machine, so it uses `std` primitives directly.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// Why a context is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// [`CancelHandle::cancel`] was called on this context or an ancestor.
    Cancelled,
    /// The context's deadline (or an ancestor's) has passed.
    DeadlineExceeded,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextError::Cancelled => "context cancelled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for ContextError {}

/// The context a job runs under: cancellation, a deadline, and values, inherited from parent to child.
///
/// Cheap to clone (one reference count, none at all for [`Context::background`]). A job receives
/// the context it was added with; a job whose context is cancelled before a worker takes it does
/// not run.
///
/// # Examples
///
/// ```
/// use grpool::Context;
/// use std::time::Duration;
///
/// #[derive(Debug, PartialEq)]
/// struct RequestId(u64);
///
/// let (ctx, cancel) = Context::background().with_value(RequestId(7)).with_cancel();
/// assert_eq!(ctx.value::<RequestId>(), Some(&RequestId(7)));
/// assert!(!ctx.is_cancelled());
///
/// cancel.cancel();
/// assert!(ctx.is_cancelled());
/// assert!(ctx.wait_timeout(Duration::from_secs(60)), "returns at once when cancelled");
/// ```
#[derive(Clone, Default)]
pub struct Context {
    node: Option<Arc<Node>>,
}

struct Node {
    parent: Option<Arc<Node>>,
    value: Option<Box<dyn Any + Send + Sync>>,
    /// The nearest cancellable scope: this node's own, or the parent's.
    scope: Option<Arc<Scope>>,
}

/// A cancellable scope. `deadline` is already the earlier of its own and its parent's.
struct Scope {
    deadline: Option<Instant>,
    state: Mutex<ScopeState>,
    /// Signalled when `state.err` is set.
    done: Condvar,
}

struct ScopeState {
    err: Option<ContextError>,
    children: Vec<Weak<Scope>>,
}

impl Scope {
    fn lock(&self) -> MutexGuard<'_, ScopeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self) -> Option<ContextError> {
        let err = self.lock().err;
        if err.is_some() {
            return err;
        }
        match self.deadline {
            Some(d) if Instant::now() >= d => {
                self.cancel(ContextError::DeadlineExceeded);
                self.lock().err
            }
            _ => None,
        }
    }

    /// Sets `err` unless already set, then cancels every live child with the same error.
    fn cancel(&self, err: ContextError) {
        let children = {
            let mut state = self.lock();
            if state.err.is_some() {
                return;
            }
            state.err = Some(err);
            std::mem::take(&mut state.children)
        };
        self.done.notify_all();
        for child in children.iter().filter_map(Weak::upgrade) {
            child.cancel(err);
        }
    }

    fn child(parent: Option<&Arc<Scope>>, deadline: Option<Instant>) -> Arc<Scope> {
        let deadline = match (parent.and_then(|p| p.deadline), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let scope = Arc::new(Scope {
            deadline,
            state: Mutex::new(ScopeState {
                err: None,
                children: Vec::new(),
            }),
            done: Condvar::new(),
        });
        if let Some(parent) = parent {
            let mut state = parent.lock();
            match state.err {
                Some(err) => scope.lock().err = Some(err),
                None => {
                    // Forget children that are gone before the list grows, so a long-lived
                    // parent with many short-lived children stays small.
                    if state.children.len() == state.children.capacity() {
                        state.children.retain(|c| c.strong_count() > 0);
                    }
                    state.children.push(Arc::downgrade(&scope));
                }
            }
        }
        scope
    }

    /// Blocks until cancelled (true) or `until` (false); `None` waits without a time limit.
    fn wait_until(&self, until: Option<Instant>) -> bool {
        let mut state = self.lock();
        loop {
            if state.err.is_some() {
                return true;
            }
            let now = Instant::now();
            if self.deadline.is_some_and(|d| now >= d) {
                drop(state);
                self.cancel(ContextError::DeadlineExceeded);
                return true;
            }
            // Wake at the earlier of the caller's limit and our deadline.
            let wake = match (until, self.deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            state = match wake {
                Some(w) if now >= w => return false,
                Some(w) => {
                    self.done
                        .wait_timeout(state, w - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.done.wait(state).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }
}

/// `now + d`, saturating far in the future instead of overflowing; `None` only when even that
/// cannot be represented (then there is no deadline at all).
fn deadline_after(d: Duration) -> Option<Instant> {
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    let now = Instant::now();
    now.checked_add(d).or_else(|| now.checked_add(FAR))
}

impl Context {
    /// The root context: never cancelled, no deadline, no values.
    ///
    /// It holds no allocation, so adding jobs under it costs nothing extra.
    pub fn background() -> Context {
        Context { node: None }
    }

    #[inline]
    fn scope(&self) -> Option<&Arc<Scope>> {
        self.node.as_ref().and_then(|n| n.scope.as_ref())
    }

    fn derive(
        &self,
        value: Option<Box<dyn Any + Send + Sync>>,
        scope: Option<Arc<Scope>>,
    ) -> Context {
        let scope = scope.or_else(|| self.scope().cloned());
        Context {
            node: Some(Arc::new(Node {
                parent: self.node.clone(),
                value,
                scope,
            })),
        }
    }

    fn with_scope(&self, deadline: Option<Instant>) -> (Context, CancelHandle) {
        let scope = Scope::child(self.scope(), deadline);
        let handle = CancelHandle {
            scope: scope.clone(),
        };
        (self.derive(None, Some(scope)), handle)
    }

    /// A child context that is cancelled when `CancelHandle::cancel` is called, or when this
    /// context is.
    ///
    /// Cancelling the child never cancels its parent. Dropping the handle does not cancel.
    pub fn with_cancel(&self) -> (Context, CancelHandle) {
        self.with_scope(None)
    }

    /// A child context whose deadline is `timeout` from now (or the parent's, if earlier).
    ///
    /// `Duration::MAX` saturates to a deadline a century away instead of overflowing.
    ///
    /// # Examples
    ///
    /// ```
    /// use grpool::{Context, ContextError};
    /// use std::time::Duration;
    ///
    /// let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(10));
    /// assert!(ctx.wait_timeout(Duration::from_secs(60)), "wakes at the deadline");
    /// assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> (Context, CancelHandle) {
        self.with_scope(deadline_after(timeout))
    }

    /// A child context with the given deadline (or the parent's, if earlier).
    pub fn with_deadline(&self, deadline: Instant) -> (Context, CancelHandle) {
        self.with_scope(Some(deadline))
    }

    /// A child context carrying `value`; [`value::<T>`](Self::value) finds the nearest one.
    pub fn with_value<T: Send + Sync + 'static>(&self, value: T) -> Context {
        self.derive(Some(Box::new(value)), None)
    }

    /// The value of type `T` set by this context or its nearest ancestor that set one.
    pub fn value<T: Send + Sync + 'static>(&self) -> Option<&T> {
        let mut node = self.node.as_deref();
        while let Some(n) = node {
            if let Some(v) = n.value.as_ref().and_then(|v| v.downcast_ref::<T>()) {
                return Some(v);
            }
            node = n.parent.as_deref();
        }
        None
    }

    /// Whether the context was cancelled or its deadline has passed.
    #[inline]
    pub fn is_cancelled(&self) -> bool {
        // Jobs check this before they start: keep the common no-scope case a pointer test.
        self.scope().is_some_and(|s| s.err().is_some())
    }

    /// Why the context is done, or `None` while it is not.
    ///
    /// A context cancelled through its parent reports the parent's reason.
    pub fn err(&self) -> Option<ContextError> {
        self.scope().and_then(|s| s.err())
    }

    /// The deadline: the earliest of this context's and its ancestors'.
    pub fn deadline(&self) -> Option<Instant> {
        self.scope().and_then(|s| s.deadline)
    }

    /// Blocks until the context is cancelled (returns `true`, at once if it already is) or
    /// `timeout` has passed (returns `false`).
    ///
    /// A deadline wakes the waiter by itself; nothing needs to poll.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let until = Instant::now().checked_add(timeout);
        match self.scope() {
            Some(scope) => scope.wait_until(until),
            None => {
                match until {
                    Some(_) => std::thread::sleep(timeout),
                    // Never cancelled and never timing out: sleep "forever", in bounded steps.
                    None => loop {
                        std::thread::sleep(Duration::from_secs(u32::MAX.into()));
                    },
                }
                false
            }
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.node.is_none() {
            return f.write_str("Context::background()");
        }
        f.debug_struct("Context")
            .field("err", &self.err())
            .field("deadline", &self.deadline())
            .finish_non_exhaustive()
    }
}

/// Cancels the context made with it by [`Context::with_cancel`], [`Context::with_timeout`] or
/// [`Context::with_deadline`], and every context derived from that one.
///
/// Dropping the handle does not cancel.
#[derive(Clone)]
pub struct CancelHandle {
    scope: Arc<Scope>,
}

impl CancelHandle {
    /// Cancels the context and its descendants. Calling it again does nothing.
    pub fn cancel(&self) {
        self.scope.cancel(ContextError::Cancelled);
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("err", &self.scope.lock().err)
            .finish()
    }
}
