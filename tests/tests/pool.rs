//! The pool: adding jobs, limits, ordering, handles, sizes (ports of the Go package's basic tests).

mod common;

use common::{eventually, Gate};
use grpool::{Context, Error, JobError, Pool};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn smoke() {
    let pool = Pool::new();
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..1000 {
        let n = n.clone();
        pool.add(&Context::background(), move |_| {
            n.fetch_add(1, SeqCst);
        })
        .unwrap();
    }
    pool.join();
    assert_eq!(n.load(SeqCst), 1000);
    let s = pool.stats();
    assert_eq!((s.submitted, s.completed), (1000, 1000));
}
