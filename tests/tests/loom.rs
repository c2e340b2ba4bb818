//! loom models of the pool's state machine: the real pool code, run under every interleaving
//! loom can reach (with a bounded number of preemptions).
//!
//! `RUSTFLAGS="--cfg grpool_loom" cargo test -p grpool-tests --test loom --release`
//!
//! Under `grpool_loom` the pool's locks, atomics, condition variables and threads come from
//! loom, a mutex-guarded queue stands in for crossbeam's, and every worker below the limit
//! starts at once (no growth monitor). loom's `wait_timeout` never times out, so keep-alive
//! expiry is covered by ordinary tests; `keep_alive(ZERO)` still exits at once, which is what
//! makes the exit races reachable here. A model holds at most 5 threads, main included.
#![cfg(grpool_loom)]

use grpool::{Context, Error, JobError, Pool};
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// One worker that leaves as soon as the queue is empty, which is what makes exit races reachable.
fn leaving_pool() -> Pool {
    Pool::builder()
        .limit(1)
        .keep_alive(Duration::ZERO)
        .build()
        .unwrap()
}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

fn bump(n: &Arc<AtomicUsize>) -> impl FnOnce(&Context) + Send + 'static {
    let n = n.clone();
    move |_| {
        n.fetch_add(1, SeqCst);
    }
}

/// An add racing the only worker as it runs dry and exits (keep-alive zero): the job runs.
#[test]
fn add_racing_an_exiting_worker_runs_the_job() {
    model(|| {
        // The second add races the worker that ran the first job as it finds the queue empty
        // and leaves (threads: main and up to two workers, one after the other).
        let pool = leaving_pool();
        let n = counter();
        pool.add(&Context::background(), bump(&n)).unwrap();
        pool.add(&Context::background(), bump(&n)).unwrap();
        pool.join();
        assert_eq!(n.load(SeqCst), 2);
    });
}

/// An add racing a worker going to sleep (keep-alive long): the job runs; no lost wake-up.
#[test]
fn add_racing_a_worker_going_to_sleep_runs_the_job() {
    model(|| {
        let pool = Pool::builder()
            .limit(1)
            .keep_alive(Duration::from_secs(3600))
            .build()
            .unwrap();
        let n = counter();
        pool.add(&Context::background(), bump(&n)).unwrap();
        let (p, n2) = (pool.clone(), n.clone());
        let adder = thread::spawn(move || p.add(&Context::background(), bump(&n2)).unwrap());
        adder.join().unwrap();
        pool.join();
        assert_eq!(n.load(SeqCst), 2);
    });
}

/// `close` racing `add`: the job runs or `add` says `Closed`, never both, never neither.
#[test]
fn close_racing_add_either_runs_or_refuses() {
    model(|| {
        let pool = leaving_pool();
        let n = counter();
        let (p, n2) = (pool.clone(), n.clone());
        let adder = thread::spawn(move || p.add(&Context::background(), bump(&n2)));
        pool.close();
        let result = adder.join().unwrap();
        pool.join();
        match result {
            Ok(()) => assert_eq!(n.load(SeqCst), 1, "accepted but never ran"),
            Err(Error::Closed) => assert_eq!(n.load(SeqCst), 0, "refused but ran"),
            Err(e) => panic!("{e}"),
        }
    });
}

/// `resume` racing `add` on a paused pool: the job runs once resumed.
#[test]
fn resume_racing_add_runs_the_job() {
    model(|| {
        let pool = Pool::builder().limit(1).build().unwrap();
        pool.pause();
        let n = counter();
        let (p, n2) = (pool.clone(), n.clone());
        let adder = thread::spawn(move || p.add(&Context::background(), bump(&n2)).unwrap());
        pool.resume();
        adder.join().unwrap();
        pool.join();
        assert_eq!(n.load(SeqCst), 1);
    });
}

/// `set_limit` raising the limit while an add races it: every job runs.
#[test]
fn set_limit_racing_add_runs_every_job() {
    model(|| {
        let pool = Pool::builder().limit(1).build().unwrap();
        let n = counter();
        let (p, n2) = (pool.clone(), n.clone());
        let adder = thread::spawn(move || p.add(&Context::background(), bump(&n2)).unwrap());
        pool.set_limit(Some(2));
        pool.add(&Context::background(), bump(&n)).unwrap();
        adder.join().unwrap();
        pool.join();
        assert_eq!(n.load(SeqCst), 2);
        assert!(pool.size() <= 2);
    });
}

/// `join` racing the last job's completion neither returns early nor hangs.
#[test]
fn join_racing_the_last_job_neither_returns_early_nor_hangs() {
    model(|| {
        let pool = Pool::builder().limit(1).build().unwrap();
        let n = counter();
        pool.add(&Context::background(), bump(&n)).unwrap();
        let p = pool.clone();
        let joiner = thread::spawn(move || p.join());
        pool.join();
        assert_eq!(n.load(SeqCst), 1, "join returned before the job ended");
        joiner.join().unwrap();
        let s = pool.stats();
        assert_eq!(s.submitted, s.completed);
    });
}

/// A job handle completing while it is being joined: no lost wake-up.
#[test]
fn a_handle_completing_while_joined_wakes_the_joiner() {
    model(|| {
        let pool = Pool::builder().limit(1).build().unwrap();
        let handle = pool.spawn(&Context::background(), |_| 7).unwrap();
        assert_eq!(handle.join().unwrap(), 7);
    });
}

/// A job handle completing while it is being polled: the waker is woken.
#[test]
fn a_handle_completing_while_polled_wakes_the_task() {
    model(|| {
        let pool = Pool::builder().limit(1).build().unwrap();
        let handle = pool.spawn(&Context::background(), |_| 7).unwrap();
        assert_eq!(loom::future::block_on(handle).unwrap(), 7);
    });
}

/// A handle dropped while its job runs, racing the next spawn: the slot is reused only once
/// neither the job nor the handle holds it, and the next job's handle gets the next result.
#[test]
fn a_slot_reused_after_a_dropped_handle_carries_only_the_next_result() {
    model(|| {
        let pool = Pool::builder().limit(1).build().unwrap();
        let first = pool.spawn(&Context::background(), |_| 1).unwrap();
        let dropper = thread::spawn(move || drop(first));
        let second = pool.spawn(&Context::background(), |_| 2).unwrap();
        assert_eq!(second.join().unwrap(), 2);
        dropper.join().unwrap();
        pool.join();
        let s = pool.stats();
        assert_eq!((s.submitted, s.completed), (2, 2));
    });
}

/// `clear_jobs` racing a worker taking the job: it runs or is discarded, exactly once.
#[test]
fn clear_jobs_racing_a_worker_counts_the_job_once() {
    model(|| {
        let pool = Pool::builder().limit(1).build().unwrap();
        let n = counter();
        let handle = pool.spawn(&Context::background(), {
            let n = n.clone();
            move |_| n.fetch_add(1, SeqCst)
        });
        let handle = handle.unwrap();
        let cleared = pool.clear_jobs();
        let result = handle.join();
        pool.join();
        let s = pool.stats();
        match (cleared, result) {
            (1, Err(JobError::Cancelled)) => assert_eq!((n.load(SeqCst), s.discarded), (0, 1)),
            (0, Ok(0)) => assert_eq!((n.load(SeqCst), s.completed), (1, 1)),
            other => panic!("inconsistent: {other:?}"),
        }
        assert_eq!(s.submitted, s.completed + s.discarded);
    });
}
