//! The default pool and the package-level functions.

#![cfg(not(grpool_loom))]

mod common;

use grpool::{Context, Pool};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn smoke() {
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
        let n = n.clone();
        grpool::add(&Context::background(), move |_| {
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    common::eventually("the default pool to run every job", || {
        n.load(SeqCst) == 100
    });
    let _ = (grpool::jobs(), grpool::size());
    assert_eq!(grpool::default_pool().cap(), None);
}

#[test]
fn spawn_and_add_with_recover_use_the_default_pool() {
    let h = grpool::spawn(&Context::background(), |_| 3).unwrap();
    assert_eq!(h.join().unwrap(), 3);
    let (tx, rx) = std::sync::mpsc::channel();
    grpool::add_with_recover(
        &Context::background(),
        |_| panic!("p"),
        move |e| tx.send(e.message().map(str::to_owned)).unwrap(),
    )
    .unwrap();
    assert_eq!(rx.recv().unwrap().as_deref(), Some("p"));
    assert!(common::default_pool_thread_name().starts_with("grpool-default-"));
}

#[test]
#[should_panic(expected = "build a pool of your own")]
fn closing_the_default_pool_panics() {
    grpool::default_pool().close();
}

#[test]
#[should_panic(expected = "no library may switch it off")]
fn shutting_down_the_default_pool_panics() {
    grpool::default_pool().shutdown_now();
}

#[test]
#[should_panic(expected = "`Pool::pause` on the default pool")]
fn pausing_the_default_pool_panics() {
    grpool::default_pool().pause();
}

#[test]
fn build_default_after_first_use_is_an_error() {
    let _ = grpool::default_pool();
    let err = Pool::builder().limit(3).build_default().unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
}
