//! Panics in jobs: contained, counted, delivered (port of the Go package's `AddWithRecover` test).

#![cfg(not(grpool_loom))]

mod common;

use common::{assert_balanced, eventually};
use grpool::{Context, JobError, Pool, PoolBuilder};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};

/// A builder whose panic handler sends each panic's message to the returned receiver.
fn reporting(builder: PoolBuilder) -> (PoolBuilder, mpsc::Receiver<Option<String>>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let builder = builder.panic_handler(move |e| {
        tx.lock()
            .unwrap()
            .send(e.message().map(str::to_owned))
            .unwrap()
    });
    (builder, rx)
}

fn bg() -> Context {
    Context::background()
}

#[test]
fn smoke() {
    let pool = Pool::with_limit(1);
    pool.add(&bg(), |_| panic!("first job fails")).unwrap();
    let h = pool.spawn(&bg(), |_| std::thread::current().id()).unwrap();
    let first = h.join().unwrap();
    let h = pool.spawn(&bg(), |_| std::thread::current().id()).unwrap();
    assert_eq!(h.join().unwrap(), first, "the worker survived the panic");
    pool.join();
    assert_eq!(pool.stats().panicked, 1);
    assert_balanced(&pool);
}

/// Go: `Test_AddWithRecover`.
#[test]
fn go_add_with_recover() {
    let pool = Pool::new();
    let array = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (array.clone(), array.clone());
    pool.add_with_recover(
        &bg(),
        move |_| {
            a.lock().unwrap().extend([1, 2]);
            panic!("1");
        },
        move |e| {
            assert_eq!(e.message(), Some("1"));
            b.lock().unwrap().push(1);
        },
    )
    .unwrap();
    // No recover function needed beyond ignoring the panic.
    pool.add_with_recover(&bg(), |_| panic!("ignored"), |_| {})
        .unwrap();
    pool.join();
    assert_eq!(array.lock().unwrap().len(), 3);
    assert_eq!(pool.stats().panicked, 2);
}

#[test]
fn the_recover_function_is_dropped_unrun_when_the_job_completes() {
    let pool = Pool::new();
    let called = Arc::new(AtomicUsize::new(0));
    let c = called.clone();
    pool.add_with_recover(
        &bg(),
        |_| {},
        move |_| {
            c.fetch_add(1, SeqCst);
        },
    )
    .unwrap();
    pool.join();
    assert_eq!(called.load(SeqCst), 0);
}

#[test]
fn spawn_passes_the_panic_through_the_handle() {
    let pool = Pool::new();
    let h = pool
        .spawn(&bg(), |_| -> u32 { panic!("broken {}", 42) })
        .unwrap();
    match h.join() {
        Err(JobError::Panicked(e)) => {
            assert_eq!(e.message(), Some("broken 42"));
            assert_eq!(e.to_string(), "job panicked: broken 42");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_string_payloads_have_no_message_but_keep_the_payload() {
    let pool = Pool::new();
    let h = pool.spawn(&bg(), |_| std::panic::panic_any(17u8)).unwrap();
    let Err(JobError::Panicked(e)) = h.join() else {
        panic!("expected a panic")
    };
    assert_eq!(e.message(), None);
    assert_eq!(e.to_string(), "job panicked");
    assert_eq!(e.into_payload().downcast_ref::<u8>(), Some(&17));
}

#[test]
fn add_panics_go_to_the_panic_handler() {
    let (builder, rx) = reporting(Pool::builder());
    let pool = builder.build().unwrap();
    pool.add(&bg(), |_| panic!("via add")).unwrap();
    pool.try_add(&bg(), |_| panic!("via try_add")).unwrap();
    let mut got = vec![rx.recv().unwrap(), rx.recv().unwrap()];
    got.sort();
    assert_eq!(
        got,
        [Some("via add".to_owned()), Some("via try_add".to_owned())]
    );
}

#[test]
fn a_detached_spawn_panic_goes_to_the_panic_handler() {
    let gate = common::Gate::new();
    let (builder, rx) = reporting(Pool::builder().limit(1));
    let pool = builder.build().unwrap();
    let g = gate.clone();
    pool.add(&bg(), move |_| g.wait()).unwrap();
    drop(
        pool.spawn(&bg(), |_| -> () { panic!("nobody is listening") })
            .unwrap(),
    );
    gate.open();
    assert_eq!(rx.recv().unwrap().as_deref(), Some("nobody is listening"));
}

#[test]
fn panics_inside_recover_functions_and_handlers_are_contained() {
    let pool = Pool::builder()
        .limit(1)
        .panic_handler(|_| panic!("handler panics too"))
        .build();
    let pool = pool.unwrap();
    pool.add(&bg(), |_| panic!("job")).unwrap();
    pool.add_with_recover(&bg(), |_| panic!("job"), |_| panic!("recover panics too"))
        .unwrap();
    let h = pool.spawn(&bg(), |_| 5).unwrap();
    assert_eq!(h.join().unwrap(), 5, "the worker is still alive");
    pool.join();
    let s = pool.stats();
    assert_eq!((s.panicked, s.completed), (2, 1));
    assert_eq!(pool.size(), 1);
}

#[test]
fn many_panics_never_lose_a_worker_or_a_count() {
    let pool = Pool::with_limit(2);
    for i in 0..500 {
        if i % 3 == 0 {
            pool.add(&bg(), |_| panic!("boom")).unwrap();
        } else {
            pool.add(&bg(), |_| {}).unwrap();
        }
    }
    pool.join();
    let s = pool.stats();
    assert_eq!((s.panicked, s.completed), (167, 333));
    eventually("two workers alive", || pool.size() == 2);
    assert_balanced(&pool);
}

#[test]
fn a_spawned_panic_is_counted_before_join_returns() {
    let pool = Pool::with_limit(2);
    for _ in 0..50 {
        let h = pool
            .spawn(&bg(), |_| -> u64 { panic!("bad input") })
            .unwrap();
        assert!(h.join().is_err());
        pool.join();
        assert_balanced(&pool);
    }
    let s = pool.stats();
    assert_eq!((s.submitted, s.panicked), (50, 50));
}
