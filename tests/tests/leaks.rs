//! No leaks: pools created and dropped thousands of times, and the default pool run through
//! bursts, give their threads back, and resident memory stops growing. One test binary of its
//! own, and one test, since it reads process-wide counters.

#![cfg(not(grpool_loom))]

mod common;

use common::{eventually, Watchdog};
use grpool::{Context, Pool};
use std::time::Duration;

fn status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn threads() -> u64 {
    status("Threads:")
}

fn rss_kib() -> u64 {
    status("VmRSS:")
}

fn churn(pools: usize) {
    for i in 0..pools {
        let pool = Pool::builder()
            .limit(1 + i % 4)
            .keep_alive(Duration::from_millis(1))
            .build()
            .unwrap();
        for _ in 0..8 {
            pool.add(&Context::background(), |_| {}).unwrap();
        }
        let h = pool.spawn(&Context::background(), |_| 1).unwrap();
        if i % 2 == 0 {
            pool.join();
        }
        drop(pool); // the last handle: queued jobs still run, then the threads exit
        assert_eq!(h.join().unwrap(), 1);
    }
}

#[test]
fn smoke() {
    let _watchdog = Watchdog::new("leaks", Duration::from_secs(300));
    // A short keep-alive for the default pool, set before anything uses it.
    Pool::builder()
        .keep_alive(Duration::from_millis(20))
        .build_default()
        .unwrap();
    let baseline = threads();

    // Pools, created and dropped thousands of times.
    churn(500); // warm up the allocator
    eventually("threads back to baseline after warm-up", || {
        threads() <= baseline + 1
    });
    let mut rss = Vec::new();
    for _ in 0..5 {
        churn(500);
        eventually("threads back to baseline", || threads() <= baseline + 1);
        rss.push(rss_kib());
    }
    let growth = rss[4].saturating_sub(rss[1]);
    assert!(
        growth < 8 * 1024,
        "resident memory keeps growing: {rss:?} KiB"
    );

    // The default pool through bursts.
    for _ in 0..5 {
        for _ in 0..10_000 {
            grpool::add(&Context::background(), |_| {}).unwrap();
        }
        let handles: Vec<_> = (0..64)
            .map(|_| {
                grpool::spawn(&Context::background(), |_| {
                    std::thread::sleep(Duration::from_millis(2))
                })
                .unwrap()
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        eventually("the default pool's workers to exit", || grpool::size() == 0);
        eventually("threads back to baseline after a burst", || {
            threads() <= baseline + 1
        });
    }
}
