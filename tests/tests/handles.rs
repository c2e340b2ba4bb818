//! Job handles over reused result slots: a pool keeps the slots of finished, detached jobs and
//! hands them to later spawns. Results never leak from one job to the next, and a kept slot
//! holds nothing of its last job.
#![cfg(not(grpool_loom))]

mod common;

use common::{eventually, Gate};
use grpool::{Context, JobHandle, Pool};
use std::sync::Arc;

enum Kept {
    Number(u64, JobHandle<u64>),
    Text(u64, JobHandle<String>),
    Nothing(JobHandle<()>),
}

#[test]
fn reused_slots_keep_every_result_apart() {
    let pool = Pool::with_limit(2);
    let ctx = Context::background();
    for round in 0..3u64 {
        let mut kept = Vec::new();
        for i in 0..3_000u64 {
            let id = round * 10_000 + i;
            // Every fifth handle is dropped at once: its slot comes back for a later spawn,
            // of the same result type or not.
            let detach = i % 5 == 0;
            match i % 3 {
                0 => {
                    let h = pool.spawn(&ctx, move |_| id * 2).unwrap();
                    if !detach {
                        kept.push(Kept::Number(id, h));
                    }
                }
                1 => {
                    let h = pool.spawn(&ctx, move |_| format!("job {id}")).unwrap();
                    if !detach {
                        kept.push(Kept::Text(id, h));
                    }
                }
                _ => {
                    let h = pool.spawn(&ctx, |_| ()).unwrap();
                    if !detach {
                        kept.push(Kept::Nothing(h));
                    }
                }
            }
        }
        for k in kept {
            match k {
                Kept::Number(id, h) => assert_eq!(h.join().unwrap(), id * 2),
                Kept::Text(id, h) => assert_eq!(h.join().unwrap(), format!("job {id}")),
                Kept::Nothing(h) => h.join().unwrap(),
            }
        }
    }
    pool.join();
    let s = pool.stats();
    assert_eq!((s.submitted, s.completed), (9_000, 9_000));
}

#[test]
fn a_detached_job_lets_go_of_its_context_and_result() {
    let pool = Pool::with_limit(1);
    let marker = Arc::new("context value");
    let result = Arc::new(());
    let ctx = Context::background().with_value(marker.clone());
    let gate = Gate::new();
    let held = gate.clone();
    pool.add(&Context::background(), move |_| held.wait())
        .unwrap();
    for _ in 0..10 {
        let result = result.clone();
        drop(pool.spawn(&ctx, move |_| result).unwrap());
    }
    drop(ctx);
    gate.open();
    pool.join();
    // The slots are kept for reuse, but emptied: neither the context nor the result is alive.
    eventually("the context and results are released", || {
        Arc::strong_count(&marker) == 1 && Arc::strong_count(&result) == 1
    });
    // And the next spawns reuse them cleanly.
    let h = pool.spawn(&Context::background(), |ctx| {
        ctx.value::<Arc<&str>>().is_none()
    });
    assert!(h.unwrap().join().unwrap());
}
