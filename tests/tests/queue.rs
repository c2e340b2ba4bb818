//! Bounded queues: blocking, non-blocking and timed adds, and adds from the pool's own workers.

#![cfg(not(grpool_loom))]

mod common;

use common::{eventually, Gate};
use grpool::{Context, Error, Pool};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

fn bg() -> Context {
    Context::background()
}

/// A pool of one worker, blocked on the returned gate, with a queue of `capacity`.
fn blocked_pool(capacity: usize) -> (Pool, Gate) {
    let pool = Pool::builder()
        .limit(1)
        .queue_capacity(capacity)
        .build()
        .unwrap();
    let gate = Gate::new();
    let g = gate.clone();
    pool.add(&bg(), move |_| g.wait()).unwrap();
    eventually("the blocker to start", || {
        pool.jobs() == 0 && pool.size() == 1
    });
    (pool, gate)
}

#[test]
fn smoke() {
    let (pool, gate) = blocked_pool(2);
    pool.try_add(&bg(), |_| {}).unwrap();
    pool.try_add(&bg(), |_| {}).unwrap();
    assert!(matches!(pool.try_add(&bg(), |_| {}), Err(Error::Full)));
    assert_eq!(
        pool.jobs(),
        2,
        "the capacity counts waiting jobs, not running ones"
    );
    gate.open();
    pool.join();
}

#[test]
fn the_queue_is_unbounded_by_default() {
    let pool = Pool::with_limit(1);
    let gate = Gate::new();
    let g = gate.clone();
    pool.add(&bg(), move |_| g.wait()).unwrap();
    for _ in 0..10_000 {
        pool.try_add(&bg(), |_| {}).unwrap();
    }
    gate.open();
    pool.join();
}

#[test]
fn add_blocks_while_the_queue_is_full() {
    let (pool, gate) = blocked_pool(1);
    pool.add(&bg(), |_| {}).unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let (p, d) = (pool.clone(), done.clone());
    let adder = std::thread::spawn(move || {
        p.add(&bg(), |_| {}).unwrap();
        d.store(1, SeqCst);
    });
    assert!(!pool.join_timeout(Duration::from_millis(30)));
    assert_eq!(done.load(SeqCst), 0, "add waits for room");
    gate.open();
    adder.join().unwrap();
    pool.join();
    assert_eq!(pool.stats().completed, 3);
}

#[test]
fn add_timeout_gives_up_after_the_timeout() {
    let (pool, gate) = blocked_pool(1);
    pool.add(&bg(), |_| {}).unwrap();
    let err = pool
        .add_timeout(&bg(), |_| {}, Duration::from_millis(20))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    gate.open();
    pool.join();
    let s = pool.stats();
    assert_eq!(s.submitted, 2, "a refused job is not counted: {s:?}");
    assert!(pool
        .add_timeout(&bg(), |_| {}, Duration::from_secs(60))
        .is_ok());
}

#[test]
fn a_refused_job_is_dropped_in_the_callers_thread() {
    struct Probe(Arc<AtomicUsize>);
    impl Drop for Probe {
        fn drop(&mut self) {
            assert!(std::thread::current()
                .name()
                .is_none_or(|n| !n.starts_with("grpool")));
            self.0.fetch_add(1, SeqCst);
        }
    }
    let (pool, gate) = blocked_pool(1);
    pool.add(&bg(), |_| {}).unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let probe = Probe(dropped.clone());
    assert!(pool.try_add(&bg(), move |_| drop(probe)).is_err());
    assert_eq!(dropped.load(SeqCst), 1);
    gate.open();
    pool.join();
}

#[test]
fn an_add_from_a_worker_onto_its_own_full_queue_returns_full() {
    let (pool, gate) = blocked_pool(1);
    pool.add(&bg(), |_| {}).unwrap();
    // Raise the limit so a second worker can run the nested adder while the queue is full.
    pool.set_limit(Some(2));
    let p = pool.clone();
    let nested = pool.spawn(&bg(), move |_| {
        let add = p.add(&bg(), |_| {});
        let spawn = p.spawn(&bg(), |_| ()).map(drop);
        (add, spawn)
    });
    // The nested job itself may wait for room; once it runs, its adds must not block.
    gate.open();
    let (add, spawn) = nested.unwrap().join().unwrap();
    assert!(matches!(add, Ok(()) | Err(Error::Full)));
    assert!(matches!(spawn, Ok(()) | Err(Error::Full)));
    pool.join();
}

#[test]
fn nested_adds_at_the_limit_with_a_bounded_queue_do_not_deadlock() {
    let pool = Pool::builder().limit(2).queue_capacity(2).build().unwrap();
    let full = Arc::new(AtomicUsize::new(0));
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..8 {
        let (p, full, ran) = (pool.clone(), full.clone(), ran.clone());
        pool.add(&bg(), move |_| {
            for _ in 0..8 {
                let ran = ran.clone();
                match p.add(&bg(), move |_| {
                    ran.fetch_add(1, SeqCst);
                }) {
                    Ok(()) => {}
                    Err(Error::Full) => {
                        full.fetch_add(1, SeqCst);
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        })
        .unwrap();
    }
    assert!(pool.join_timeout(common::DEADLINE), "the pool deadlocked");
    assert_eq!(ran.load(SeqCst) + full.load(SeqCst), 64);
    assert!(full.load(SeqCst) > 0);
}

#[test]
fn an_add_with_a_cancelled_context_never_blocks() {
    let (pool, gate) = blocked_pool(1);
    pool.add(&bg(), |_| {}).unwrap();
    let (ctx, cancel) = bg().with_cancel();
    cancel.cancel();
    pool.add(&ctx, |_| unreachable!()).unwrap();
    assert_eq!(pool.stats().cancelled, 1);
    gate.open();
    pool.join();
}
