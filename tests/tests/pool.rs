//! The pool: adding jobs, limits, ordering, handles, resizing, pausing, growth (including ports
//! of the Go package's basic and limit tests).

#![cfg(not(grpool_loom))]

mod common;

use common::{add_gated, assert_balanced, block_on, eventually, Concurrency, Gate, ThreadCount};
use grpool::{Context, Error, JobError, Pool};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn bg() -> Context {
    Context::background()
}

#[test]
fn smoke() {
    let pool = Pool::new();
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..1000 {
        let n = n.clone();
        pool.add(&bg(), move |_| {
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    pool.join();
    assert_eq!(n.load(SeqCst), 1000);
    let s = pool.stats();
    assert_eq!((s.submitted, s.completed), (1000, 1000));
    assert_balanced(&pool);
}

/// Go: `Test_Basic` — a hundred jobs all run.
#[test]
fn go_basic() {
    let pool = Pool::new();
    let array = Arc::new(Mutex::new(Vec::new()));
    for i in 0..100 {
        let array = array.clone();
        pool.add(&bg(), move |_| array.lock().unwrap().push(i))
            .unwrap();
    }
    pool.join();
    let mut v = array.lock().unwrap().clone();
    v.sort_unstable();
    assert_eq!(v, (0..100).collect::<Vec<_>>());
}

/// Go: `Test_Limit1` — a limit of one runs jobs one at a time, in order.
#[test]
fn go_limit1_runs_one_at_a_time_in_order() {
    let pool = Pool::with_limit(1);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let c = Concurrency::default();
    for i in 0..200 {
        let (seen, c) = (seen.clone(), c.clone());
        pool.add(&bg(), move |_| {
            c.enter();
            seen.lock().unwrap().push(i);
            c.exit();
        })
        .unwrap();
    }
    pool.join();
    assert_eq!(*seen.lock().unwrap(), (0..200).collect::<Vec<_>>());
    assert_eq!(c.max(), 1);
    assert_eq!(pool.size(), 1);
    assert_eq!(pool.cap(), Some(1));
}

/// Go: `Test_Limit2` — never more workers than the limit, and jobs queue behind them.
#[test]
fn go_limit2_caps_workers_and_queues_jobs() {
    let pool = Pool::with_limit(3);
    let gate = Gate::new();
    let c = Concurrency::default();
    add_gated(&pool, 20, &gate, &c);
    eventually("three jobs running", || c.now() == 3);
    assert_eq!(pool.size(), 3);
    assert_eq!(pool.jobs(), 17);
    gate.open();
    pool.join();
    assert_eq!(c.max(), 3);
    assert!(pool.stats().peak_workers <= 3);
    assert_balanced(&pool);
}

#[test]
fn workers_start_lazily_and_exit_after_keep_alive() {
    let threads = ThreadCount::default();
    let builder = Pool::builder()
        .limit(4)
        .keep_alive(Duration::from_millis(20));
    let pool = threads.hooks(builder).build().unwrap();
    assert_eq!(pool.size(), 0, "a new pool has no thread");
    assert_eq!(threads.started(), 0);
    for _ in 0..100 {
        pool.add(&bg(), |_| {}).unwrap();
    }
    assert!(pool.size() >= 1);
    pool.join();
    eventually("idle workers to exit", || pool.size() == 0);
    eventually("every thread to stop", || threads.all_stopped());
    assert!(threads.started() >= 1);
    // The pool starts again on demand.
    pool.add(&bg(), |_| {}).unwrap();
    pool.join();
    assert_balanced(&pool);
}

#[test]
fn zero_keep_alive_exits_as_soon_as_the_queue_is_empty() {
    let pool = Pool::builder().keep_alive(Duration::ZERO).build().unwrap();
    let h = pool.spawn(&bg(), |_| 1).unwrap();
    assert_eq!(h.join().unwrap(), 1);
    eventually("workers to exit", || pool.size() == 0);
}

#[test]
fn a_job_added_as_the_last_worker_exits_is_never_stranded() {
    // With no keep-alive, workers exit the moment the queue is empty, so adds keep racing
    // exiting workers. Every job must still run without any timer.
    let pool = Pool::builder()
        .limit(2)
        .keep_alive(Duration::ZERO)
        .build()
        .unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    for i in 0..2000 {
        let n = n.clone();
        pool.add(&bg(), move |_| {
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
        if i % 7 == 0 {
            std::thread::yield_now();
        }
    }
    assert!(pool.join_timeout(common::DEADLINE), "a job was stranded");
    assert_eq!(n.load(SeqCst), 2000);
}

#[test]
fn cap_reports_the_limit() {
    assert_eq!(Pool::new().cap(), None);
    assert_eq!(Pool::default().cap(), None);
    assert_eq!(Pool::with_limit(5).cap(), Some(5));
    let pool = Pool::with_limit(5);
    pool.set_limit(None);
    assert_eq!(pool.cap(), None);
    pool.set_limit(Some(7));
    assert_eq!(pool.cap(), Some(7));
}

#[test]
#[should_panic(expected = "use `Pool::new()` for a pool without a limit")]
fn with_limit_zero_panics_pointing_to_new() {
    let _ = Pool::with_limit(0);
}

#[test]
#[should_panic(expected = "a pool needs at least one worker")]
fn set_limit_zero_panics() {
    Pool::new().set_limit(Some(0));
}

#[test]
fn builder_rejects_zero_limit_and_zero_capacity_with_reasons() {
    let e = Pool::builder().limit(0).build().unwrap_err();
    assert!(e.to_string().contains("limit must be at least 1"), "{e}");
    let e = Pool::builder().queue_capacity(0).build().unwrap_err();
    assert!(e.to_string().contains("capacity must be at least 1"), "{e}");
}

#[test]
fn threads_are_named_with_the_prefix() {
    let pool = Pool::builder()
        .thread_name("collector")
        .stack_size(256 * 1024)
        .build()
        .unwrap();
    let name = pool.spawn(&bg(), |_| std::thread::current().name().map(str::to_owned));
    let name = name.unwrap().join().unwrap().unwrap();
    assert!(name.starts_with("collector-"), "{name}");
    assert!(
        name["collector-".len()..].parse::<usize>().is_ok(),
        "{name}"
    );
}

#[test]
fn spawn_returns_the_value_and_handles_can_be_awaited() {
    let pool = Pool::with_limit(2);
    let h = pool.spawn(&bg(), |_| "value".to_string()).unwrap();
    assert_eq!(h.join().unwrap(), "value");

    let gate = Gate::new();
    let g = gate.clone();
    let h = pool
        .spawn(&bg(), move |_| {
            g.wait();
            7
        })
        .unwrap();
    assert!(!h.is_finished());
    let opener = std::thread::spawn(move || gate.open());
    assert_eq!(block_on(h).unwrap(), 7);
    opener.join().unwrap();
}

#[test]
fn handles_are_send_sync_unpin_and_debug() {
    fn check<T: Send + Sync + Unpin + std::fmt::Debug>() {}
    check::<grpool::JobHandle<u32>>();
    check::<Pool>();
    check::<Context>();
    check::<grpool::Stats>();
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    error::<Error>();
    error::<JobError>();
    error::<grpool::PanicError>();
    error::<grpool::BuildError>();
    error::<grpool::ContextError>();
}

#[test]
fn set_limit_lowered_drains_extra_workers() {
    let pool = Pool::with_limit(4);
    let gate = Gate::new();
    let c = Concurrency::default();
    add_gated(&pool, 4, &gate, &c);
    eventually("four running", || c.now() == 4);
    pool.set_limit(Some(1));
    let gate2 = Gate::new();
    add_gated(&pool, 10, &gate2, &c);
    c.reset_max();
    gate.open();
    eventually("one of the new jobs running", || c.now() == 1);
    eventually("size to settle at the new limit", || pool.size() <= 1);
    gate2.open();
    pool.join();
    assert_eq!(c.max(), 4.min(c.max()));
    assert!(pool.size() <= 1);
    assert_balanced(&pool);
}

#[test]
fn set_limit_raised_starts_workers_at_once() {
    let pool = Pool::with_limit(1);
    let gate = Gate::new();
    let c = Concurrency::default();
    add_gated(&pool, 3, &gate, &c);
    eventually("one running", || c.now() == 1);
    pool.set_limit(Some(3));
    eventually("all three running after the raise", || c.now() == 3);
    gate.open();
    pool.join();
}

#[test]
fn pause_stops_new_jobs_and_resume_restarts_them() {
    let pool = Pool::with_limit(2);
    let n = Arc::new(AtomicUsize::new(0));
    pool.pause();
    assert!(pool.is_paused());
    for _ in 0..10 {
        let n = n.clone();
        pool.add(&bg(), move |_| {
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    assert!(
        !pool.join_timeout(Duration::from_millis(50)),
        "join waits for resume"
    );
    assert_eq!(n.load(SeqCst), 0, "no job starts while paused");
    assert_eq!(pool.jobs(), 10);
    pool.resume();
    assert!(!pool.is_paused());
    pool.join();
    assert_eq!(n.load(SeqCst), 10);
}

#[test]
fn pause_lets_running_jobs_finish() {
    let pool = Pool::with_limit(1);
    let gate = Gate::new();
    let g = gate.clone();
    let running = pool.spawn(&bg(), move |_| g.wait()).unwrap();
    eventually("the job to start", || {
        pool.jobs() == 0 && pool.stats().idle_workers == 0
    });
    pool.pause();
    let later = pool.spawn(&bg(), |_| ()).unwrap();
    gate.open();
    running.join().unwrap();
    assert!(!later.is_finished());
    assert_eq!(pool.jobs(), 1);
    pool.resume();
    later.join().unwrap();
}

#[test]
fn join_on_a_paused_pool_returns_after_clear_jobs() {
    let pool = Pool::with_limit(1);
    pool.pause();
    let h = pool.spawn(&bg(), |_| ()).unwrap();
    let p = pool.clone();
    let joiner = std::thread::spawn(move || p.join());
    assert_eq!(pool.clear_jobs(), 1);
    joiner.join().unwrap();
    assert!(matches!(h.join(), Err(JobError::Cancelled)));
    pool.resume();
}

#[test]
fn clear_jobs_discards_queued_jobs_and_reports_them() {
    let pool = Pool::with_limit(1);
    let gate = Gate::new();
    let g = gate.clone();
    let first = pool.spawn(&bg(), move |_| g.wait()).unwrap();
    eventually("the first job to start", || {
        pool.jobs() == 0 && pool.size() == 1
    });
    let rest: Vec<_> = (0..5)
        .map(|i| pool.spawn(&bg(), move |_| i).unwrap())
        .collect();
    assert_eq!(pool.clear_jobs(), 5);
    gate.open();
    first.join().unwrap();
    for h in rest {
        assert!(matches!(h.join(), Err(JobError::Cancelled)));
    }
    pool.join();
    let s = pool.stats();
    assert_eq!((s.submitted, s.completed, s.discarded), (6, 1, 5));
    assert_balanced(&pool);
}

#[test]
fn join_from_inside_a_job_panics_with_a_clear_message() {
    let pool = Pool::with_limit(1);
    let p = pool.clone();
    let h = pool.spawn(&bg(), move |_| p.join()).unwrap();
    match h.join() {
        Err(JobError::Panicked(e)) => {
            assert!(
                e.message().unwrap().contains("would wait for itself"),
                "{e}"
            )
        }
        other => panic!("expected a panic, got {other:?}"),
    }
}

#[test]
fn join_timeout_reports_whether_the_pool_went_idle() {
    let pool = Pool::with_limit(1);
    let gate = Gate::new();
    let g = gate.clone();
    pool.add(&bg(), move |_| g.wait()).unwrap();
    assert!(!pool.join_timeout(Duration::from_millis(20)));
    gate.open();
    assert!(pool.join_timeout(common::DEADLINE));
}

#[test]
fn stats_count_every_outcome() {
    let pool = Pool::with_limit(2);
    let (ctx, cancel) = bg().with_cancel();
    cancel.cancel();
    pool.add(&bg(), |_| {}).unwrap();
    pool.add(&ctx, |_| unreachable!()).unwrap();
    pool.add_with_recover(&bg(), |_| panic!("x"), |_| {})
        .unwrap();
    pool.join();
    let s = pool.stats();
    assert_eq!(
        (
            s.submitted,
            s.completed,
            s.panicked,
            s.cancelled,
            s.discarded
        ),
        (3, 1, 1, 1, 0)
    );
    assert!(s.peak_workers >= 1 && s.workers <= 2);
    assert_eq!(s.queued, 0);
}

#[test]
fn a_burst_of_tiny_jobs_does_not_start_a_thread_per_job() {
    let pool = Pool::new();
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..100_000 {
        let n = n.clone();
        pool.add(&bg(), move |_| {
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    pool.join();
    assert_eq!(n.load(SeqCst), 100_000);
    let peak = pool.stats().peak_workers;
    assert!(peak <= 64, "a burst of tiny jobs started {peak} threads");
}

#[test]
fn a_thousand_blocking_jobs_get_a_thousand_workers() {
    let pool = Pool::builder().stack_size(64 * 1024).build().unwrap();
    let gate = Gate::new();
    let c = Concurrency::default();
    add_gated(&pool, 1000, &gate, &c);
    eventually("all 1000 jobs to run at once", || c.now() == 1000);
    assert_eq!(pool.size(), 1000);
    gate.open();
    pool.join();
    assert_eq!(pool.stats().peak_workers, 1000);
}

fn failing_spawner(
    allowed: usize,
) -> impl Fn(grpool::ThreadBuilder) -> io::Result<()> + Send + Sync {
    let left = AtomicUsize::new(allowed);
    move |t| {
        if left
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_err()
        {
            return Err(io::Error::new(io::ErrorKind::WouldBlock, "no more threads"));
        }
        std::thread::Builder::new()
            .name(t.name().to_owned())
            .spawn(|| t.run())?;
        Ok(())
    }
}

#[test]
fn a_refused_thread_with_no_worker_refuses_the_job() {
    let pool = Pool::builder()
        .spawn_handler(failing_spawner(0))
        .build()
        .unwrap();
    let err = pool.add(&bg(), |_| unreachable!()).unwrap_err();
    assert!(matches!(err, Error::Spawn(_)), "{err:?}");
    assert!(err.to_string().contains("could not start"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
    assert!(matches!(pool.spawn(&bg(), |_| ()), Err(Error::Spawn(_))));
    assert_eq!(pool.size(), 0);
    let s = pool.stats();
    assert_eq!(s.submitted, 0, "a refused job is not counted: {s:?}");
}

#[test]
fn a_refused_thread_with_workers_left_lets_the_job_wait() {
    let pool = Pool::builder()
        .limit(4)
        .spawn_handler(failing_spawner(1))
        .build()
        .unwrap();
    let gate = Gate::new();
    let g = gate.clone();
    let first = pool.spawn(&bg(), move |_| g.wait()).unwrap();
    eventually("the first job to start", || pool.jobs() == 0);
    let waiting: Vec<_> = (0..5)
        .map(|i| pool.spawn(&bg(), move |_| i).unwrap())
        .collect();
    assert_eq!(pool.size(), 1);
    gate.open();
    first.join().unwrap();
    let got: Vec<_> = waiting.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, [0, 1, 2, 3, 4]);
    pool.join();
    assert_balanced(&pool);
    assert_eq!(pool.stats().peak_workers, 1);
}

#[test]
fn a_spawn_handler_that_drops_the_thread_is_a_refusal() {
    let pool = Pool::builder().spawn_handler(|t| {
        drop(t);
        Ok(())
    });
    let pool = pool.build().unwrap();
    // The worker never runs, so the pool has no worker: the reservation is undone.
    let _ = pool.add(&bg(), |_| {});
    eventually("the phantom worker to be uncounted", || pool.size() == 0);
}

#[test]
fn refused_threads_started_together_leave_no_phantom_worker() {
    // `resume` starts several workers at once; every refused one must be uncounted, and the
    // queued jobs, with no worker left to run them, reported as discarded.
    let pool = Pool::builder()
        .limit(4)
        .spawn_handler(failing_spawner(0))
        .build()
        .unwrap();
    pool.pause();
    for _ in 0..3 {
        pool.add(&bg(), |_| unreachable!()).unwrap();
    }
    pool.resume();
    assert_eq!(pool.size(), 0, "a refused thread is not a worker");
    assert!(
        pool.join_timeout(common::DEADLINE),
        "jobs stranded behind a phantom worker"
    );
    assert_eq!(pool.stats().discarded, 3);
    assert_balanced(&pool);
}
