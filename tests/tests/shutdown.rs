//! Closing, dropping and shutting down pools (port of the Go package's close tests).

#![cfg(not(grpool_loom))]

mod common;

use common::{assert_balanced, eventually, Gate, ThreadCount};
use grpool::{Context, Error, JobError, Pool};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

fn bg() -> Context {
    Context::background()
}

#[test]
fn smoke() {
    let pool = Pool::new();
    assert!(!pool.is_closed());
    pool.close();
    assert!(pool.is_closed());
    assert!(matches!(pool.add(&bg(), |_| {}), Err(Error::Closed)));
}

/// Go: `Test_Limit3` — after `Close`, `Add` fails and `Cap`/`Jobs` still answer.
#[test]
fn go_close_refuses_every_kind_of_add() {
    let pool = Pool::with_limit(1);
    pool.close();
    assert!(matches!(pool.add(&bg(), |_| {}), Err(Error::Closed)));
    assert!(matches!(pool.try_add(&bg(), |_| {}), Err(Error::Closed)));
    assert!(matches!(
        pool.add_timeout(&bg(), |_| {}, Duration::from_secs(1)),
        Err(Error::Closed)
    ));
    assert!(matches!(
        pool.add_with_recover(&bg(), |_| {}, |_| {}),
        Err(Error::Closed)
    ));
    assert!(matches!(pool.spawn(&bg(), |_| 1), Err(Error::Closed)));
    assert_eq!(pool.cap(), Some(1));
    assert_eq!(pool.jobs(), 0);
    assert_eq!(pool.stats().submitted, 0);
    assert_eq!(Error::Closed.to_string(), "the pool is closed");
}

#[test]
fn queued_jobs_still_run_after_close_and_workers_exit_without_keep_alive() {
    let pool = Pool::builder()
        .limit(2)
        .keep_alive(Duration::from_secs(3600))
        .build()
        .unwrap();
    let gate = Gate::new();
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..50 {
        let (gate, n) = (gate.clone(), n.clone());
        pool.add(&bg(), move |_| {
            gate.wait();
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    pool.close();
    gate.open();
    pool.join();
    assert_eq!(n.load(SeqCst), 50);
    eventually("workers to exit despite the hour-long keep-alive", || {
        pool.size() == 0
    });
    assert_balanced(&pool);
}

#[test]
fn dropping_the_last_handle_runs_queued_jobs_then_stops_the_threads() {
    let threads = ThreadCount::default();
    let n = Arc::new(AtomicUsize::new(0));
    let gate = Gate::new();
    {
        let builder = Pool::builder()
            .limit(2)
            .keep_alive(Duration::from_secs(3600));
        let pool = threads.hooks(builder).build().unwrap();
        for _ in 0..20 {
            let (gate, n) = (gate.clone(), n.clone());
            pool.add(&bg(), move |_| {
                gate.wait();
                n.fetch_add(1, SeqCst);
            })
            .unwrap();
        }
        let clone = pool.clone();
        drop(pool);
        assert!(!clone.is_closed(), "a clone keeps the pool open");
        // dropping the last handle does not block, even with jobs blocked
    }
    gate.open();
    eventually("queued jobs to run after the drop", || n.load(SeqCst) == 20);
    eventually("every thread to stop", || {
        threads.started() > 0 && threads.all_stopped()
    });
}

#[test]
fn dropping_a_paused_pool_resumes_it() {
    let n = Arc::new(AtomicUsize::new(0));
    let pool = Pool::with_limit(1);
    pool.pause();
    for _ in 0..5 {
        let n = n.clone();
        pool.add(&bg(), move |_| {
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    drop(pool);
    eventually("queued jobs to run after dropping a paused pool", || {
        n.load(SeqCst) == 5
    });
}

#[test]
fn shutdown_now_discards_queued_jobs_and_reports_them() {
    let pool = Pool::with_limit(1);
    let gate = Gate::new();
    let g = gate.clone();
    let running = pool.spawn(&bg(), move |_| g.wait()).unwrap();
    eventually("the first job to start", || pool.jobs() == 0);
    let queued: Vec<_> = (0..4).map(|_| pool.spawn(&bg(), |_| ()).unwrap()).collect();
    assert_eq!(pool.shutdown_now(), 4);
    assert!(pool.is_closed());
    gate.open();
    running.join().unwrap();
    for h in queued {
        assert!(matches!(h.join(), Err(JobError::Cancelled)));
    }
    pool.join();
    let s = pool.stats();
    assert_eq!((s.completed, s.discarded), (1, 4));
    assert_balanced(&pool);
}

#[test]
fn a_blocked_add_returns_closed_when_the_pool_closes() {
    let pool = Pool::builder().limit(1).queue_capacity(1).build().unwrap();
    let gate = Gate::new();
    let g = gate.clone();
    pool.add(&bg(), move |_| g.wait()).unwrap();
    eventually("the first job to start", || pool.jobs() == 0);
    pool.add(&bg(), |_| {}).unwrap(); // fills the queue
    let p = pool.clone();
    let blocked = std::thread::spawn(move || p.add(&bg(), |_| {}));
    eventually("the third add to block", || {
        !blocked.is_finished() && pool.jobs() == 1
    });
    pool.close();
    assert!(matches!(blocked.join().unwrap(), Err(Error::Closed)));
    gate.open();
    pool.join();
}

#[test]
fn join_works_on_a_closed_pool() {
    let pool = Pool::with_limit(2);
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let n = n.clone();
        pool.add(&bg(), move |_| {
            std::thread::sleep(Duration::from_millis(1));
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    pool.close();
    pool.join();
    assert_eq!(n.load(SeqCst), 10);
}
