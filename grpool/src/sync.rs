//! The one door to synchronisation primitives: `std` normally, `loom` under `--cfg grpool_loom`.
//!
//! Every lock, atomic, condition variable and thread start in the pool goes through this module,
//! so the loom models in `tests/loom.rs` explore the real pool code rather than a copy of it.

#[cfg(not(grpool_loom))]
pub(crate) use std::{
    sync::{
        atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Condvar, Mutex, MutexGuard,
    },
    thread, thread_local,
};

#[cfg(grpool_loom)]
pub(crate) use loom::{
    sync::{
        atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Condvar, Mutex, MutexGuard,
    },
    thread, thread_local,
};

/// Reference counts are not part of the protocol (nothing waits on them), and loom's `Arc`
/// cannot be a method receiver, so `std`'s is used in both builds.
pub(crate) use std::sync::Arc;

/// Locks `mutex`, ignoring poisoning.
///
/// The pool never runs user code while holding one of its own locks, so a poisoned lock can only
/// come from a bug in the pool itself; the data behind it is still consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The data behind a mutex nobody else can reach, ignoring poisoning (see [`lock`]).
pub(crate) fn get_mut<T>(mutex: &mut Mutex<T>) -> &mut T {
    mutex.get_mut().unwrap_or_else(|e| e.into_inner())
}

/// Waits on `cv`, ignoring poisoning (see [`lock`]).
pub(crate) fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard).unwrap_or_else(|e| e.into_inner())
}

/// Waits on `cv` for at most `timeout`; returns the guard and whether the wait timed out.
pub(crate) fn wait_timeout<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: std::time::Duration,
) -> (MutexGuard<'a, T>, bool) {
    let (guard, result) = cv
        .wait_timeout(guard, timeout)
        .unwrap_or_else(|e| e.into_inner());
    (guard, result.timed_out())
}
