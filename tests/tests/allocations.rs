//! What adding a job allocates, counted by the allocator itself (dhat): nothing for a small
//! `add`, and nothing for a `spawn` whose handle is dropped once the pool has spare slots.
//!
//! One test in its own binary, since the counting allocator serves the whole process.
#![cfg(not(grpool_loom))]

mod common;

use common::Gate;
use grpool::{Context, Pool};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Jobs per round: the one worker is held by a gate until every job of the round is queued, so
/// each round has a backlog of this many (fewer than the pool keeps spare slots for).
const JOBS: usize = 200;
const ROUNDS: usize = 10;

/// Allocations per job over `ROUNDS` rounds of `submit`, after one warm-up round.
fn allocations_per_job(pool: &Pool, submit: &dyn Fn(&Arc<AtomicUsize>)) -> f64 {
    let ran = Arc::new(AtomicUsize::new(0));
    // Gates are made up front: only the pool's own allocations are counted.
    let gates: Vec<Gate> = (0..=ROUNDS).map(|_| Gate::new()).collect();
    let mut before = 0;
    for (round, gate) in gates.iter().enumerate() {
        if round == 1 {
            before = dhat::HeapStats::get().total_blocks;
        }
        let held = gate.clone();
        pool.add(&Context::background(), move |_| held.wait())
            .unwrap();
        for _ in 0..JOBS {
            submit(&ran);
        }
        gate.open();
        pool.join();
    }
    let allocations = dhat::HeapStats::get().total_blocks - before;
    assert_eq!(ran.load(SeqCst), JOBS * (ROUNDS + 1));
    allocations as f64 / (JOBS * ROUNDS) as f64
}

#[test]
fn small_jobs_and_detached_handles_allocate_nothing_per_job() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let pool = Pool::with_limit(1);
    let ctx = Context::background();

    let add = allocations_per_job(&pool, &|ran| {
        let ran = ran.clone();
        pool.add(&ctx, move |_| {
            ran.fetch_add(1, SeqCst);
        })
        .unwrap();
    });
    let spawn = allocations_per_job(&pool, &|ran| {
        let ran = ran.clone();
        drop(pool.spawn(&ctx, move |_| ran.fetch_add(1, SeqCst)).unwrap());
    });
    // The yardstick: `add` with one boxed capture is one allocation per job.
    let boxed = allocations_per_job(&pool, &|ran| {
        let ran = Box::new(ran.clone());
        pool.add(&ctx, move |_| {
            ran.fetch_add(1, SeqCst);
        })
        .unwrap();
    });
    eprintln!("allocations per job: add {add:.3}, spawn {spawn:.3}, add + box {boxed:.3}");
    // What is left is the queue's own storage, a block per 31 jobs in crossbeam's channel.
    assert!(add < 0.1, "add allocates {add} times per job");
    assert!(spawn < 0.1, "spawn allocates {spawn} times per job");
    assert!(
        boxed >= 1.0,
        "the yardstick allocates {boxed} times per job"
    );
}
