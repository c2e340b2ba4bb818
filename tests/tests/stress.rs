//! Stress and fault tests: many producers, random panics, cancellations, closes, resizes,
//! pauses, clears and refused threads; every job is counted. Seeded: a failure prints
//! `GRPOOL_SEED=...` to replay it.

#![cfg(not(grpool_loom))]

mod common;

use common::{assert_balanced, Rng, Watchdog};
use grpool::{Context, Error, JobError, JobHandle, Pool, ThreadBuilder};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PRODUCERS: usize = 4;
const JOBS_PER_PRODUCER: usize = 10_000;

#[derive(Default)]
struct Tally {
    accepted: AtomicU64,
    refused: AtomicU64,
    ok: AtomicU64,
    panicked: AtomicU64,
    never_ran: AtomicU64,
}

/// One job's life, from the producer's side: the handle, or why it was refused.
fn settle(
    tally: &Tally,
    runs: &[AtomicU8],
    id: usize,
    result: Result<JobHandle<usize>, Error>,
    seed: u64,
) {
    match result {
        Err(Error::Closed) | Err(Error::Spawn(_)) => {
            tally.refused.fetch_add(1, SeqCst);
            assert_eq!(
                runs[id].load(SeqCst),
                0,
                "refused job {id} ran (GRPOOL_SEED={seed})"
            );
        }
        Err(e) => panic!("unexpected error {e} (GRPOOL_SEED={seed})"),
        Ok(handle) => {
            tally.accepted.fetch_add(1, SeqCst);
            match handle.join() {
                Ok(got) => {
                    assert_eq!(got, id);
                    tally.ok.fetch_add(1, SeqCst);
                    assert_eq!(runs[id].load(SeqCst), 1, "job {id} (GRPOOL_SEED={seed})");
                }
                Err(JobError::Panicked(_)) => {
                    tally.panicked.fetch_add(1, SeqCst);
                    assert_eq!(runs[id].load(SeqCst), 1, "job {id} (GRPOOL_SEED={seed})");
                }
                Err(JobError::Cancelled) => {
                    tally.never_ran.fetch_add(1, SeqCst);
                    assert_eq!(
                        runs[id].load(SeqCst),
                        0,
                        "cancelled job {id} ran (GRPOOL_SEED={seed})"
                    );
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

#[test]
fn smoke() {
    let _watchdog = Watchdog::new("stress smoke", Duration::from_secs(120));
    let pool = Pool::with_limit(4);
    let handles: Vec<_> = (0..10_000)
        .map(|i| pool.spawn(&Context::background(), move |_| i).unwrap())
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), i);
    }
    pool.join();
    assert_balanced(&pool);
}

#[test]
fn many_producers_with_chaos_account_for_every_job() {
    let _watchdog = Watchdog::new("many_producers_with_chaos", Duration::from_secs(240));
    let (rng, seed) = Rng::from_env("many_producers_with_chaos");
    let rng = Mutex::new(rng);
    let pool = Pool::builder()
        .limit(4)
        .keep_alive(Duration::from_millis(1))
        .build()
        .unwrap();
    let total = PRODUCERS * JOBS_PER_PRODUCER;
    let runs: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
    let tally = Tally::default();
    let discarded = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let producers_done = AtomicUsize::new(0);

    std::thread::scope(|s| {
        for p in 0..PRODUCERS {
            let (pool, runs, tally, rng) = (&pool, &runs, &tally, &rng);
            let producers_done = &producers_done;
            s.spawn(move || {
                let mut local = Rng(rng.lock().unwrap().next() | 1);
                let mut pending = Vec::new();
                for k in 0..JOBS_PER_PRODUCER {
                    let id = p * JOBS_PER_PRODUCER + k;
                    let panics = local.one_in(10);
                    let ctx = if local.one_in(10) {
                        let (ctx, cancel) = Context::background().with_cancel();
                        if local.one_in(2) {
                            cancel.cancel(); // already cancelled at add
                        } else {
                            // cancelled soon, racing the worker that takes it
                            std::mem::forget(std::thread::spawn(move || cancel.cancel()));
                        }
                        ctx
                    } else {
                        Context::background()
                    };
                    let r = runs.clone();
                    let result = pool.spawn(&ctx, move |_| {
                        assert_eq!(r[id].fetch_add(1, SeqCst), 0, "job {id} ran twice");
                        if panics {
                            panic!("random panic");
                        }
                        id
                    });
                    pending.push((id, result));
                    if pending.len() >= 256 {
                        for (id, result) in pending.drain(..) {
                            settle(tally, runs, id, result, seed);
                        }
                    }
                }
                for (id, result) in pending {
                    settle(tally, runs, id, result, seed);
                }
                producers_done.fetch_add(1, SeqCst);
            });
        }
        // Chaos: resize, pause and resume, clear, and finally close while producers still run.
        let (pool, discarded, stop, producers_done) = (&pool, &discarded, &stop, &producers_done);
        let tally = &tally;
        let chaos_rng = rng.lock().unwrap().next() | 1;
        s.spawn(move || {
            let mut rng = Rng(chaos_rng);
            let mut closed = false;
            while producers_done.load(SeqCst) < PRODUCERS && !stop.load(SeqCst) {
                let settled = tally.accepted.load(SeqCst) + tally.refused.load(SeqCst);
                if !closed && settled >= (total as u64) * 3 / 4 {
                    pool.close();
                    closed = true;
                }
                match rng.below(40) {
                    0 => pool.set_limit(Some(1 + rng.below(6) as usize)),
                    1 => pool.set_limit(None),
                    2 => {
                        pool.pause();
                        std::thread::sleep(Duration::from_micros(rng.below(500)));
                        pool.resume();
                    }
                    3 => {
                        discarded.fetch_add(pool.clear_jobs() as u64, SeqCst);
                    }
                    _ => std::thread::sleep(Duration::from_micros(rng.below(200))),
                }
            }
            pool.resume();
        });
    });
    stop.store(true, SeqCst);
    assert!(
        pool.join_timeout(common::DEADLINE),
        "the pool never went idle (GRPOOL_SEED={seed})"
    );

    let s = pool.stats();
    eprintln!("{s:?}, refused {}", tally.refused.load(SeqCst));
    let accepted = tally.accepted.load(SeqCst);
    assert_eq!(accepted + tally.refused.load(SeqCst), total as u64);
    assert_eq!(s.submitted, accepted, "{s:?} (GRPOOL_SEED={seed})");
    assert_eq!(
        s.completed,
        tally.ok.load(SeqCst),
        "{s:?} (GRPOOL_SEED={seed})"
    );
    assert_eq!(
        s.panicked,
        tally.panicked.load(SeqCst),
        "{s:?} (GRPOOL_SEED={seed})"
    );
    assert_eq!(
        s.cancelled + s.discarded,
        tally.never_ran.load(SeqCst),
        "{s:?} (GRPOOL_SEED={seed})"
    );
    assert_eq!(
        s.discarded,
        discarded.load(SeqCst),
        "{s:?} (GRPOOL_SEED={seed})"
    );
    assert_balanced(&pool);
    let ran: u64 = runs.iter().map(|r| u64::from(r.load(SeqCst))).sum();
    assert_eq!(ran, s.completed + s.panicked);
}

/// A spawn handler that refuses at random: accepted jobs run or are reported, refused adds
/// say so, and nothing is stranded.
#[test]
fn random_thread_refusals_lose_nothing() {
    let _watchdog = Watchdog::new("random_thread_refusals", Duration::from_secs(240));
    let (rng, seed) = Rng::from_env("random_thread_refusals");
    let rng = Arc::new(Mutex::new(rng));
    let r = rng.clone();
    let refusals = Arc::new(AtomicUsize::new(0));
    let refused = refusals.clone();
    let pool = Pool::builder()
        .limit(3)
        .keep_alive(Duration::ZERO)
        .spawn_handler(move |t: ThreadBuilder| {
            if r.lock().unwrap().one_in(3) {
                refused.fetch_add(1, SeqCst);
                return Err(io::Error::other("refused by the test"));
            }
            std::thread::Builder::new()
                .name(t.name().to_owned())
                .spawn(|| t.run())?;
            Ok(())
        })
        .build()
        .unwrap();
    let runs: Arc<Vec<AtomicU8>> = Arc::new((0..20_000).map(|_| AtomicU8::new(0)).collect());
    let tally = Tally::default();
    std::thread::scope(|s| {
        for p in 0..4 {
            let (pool, runs, tally) = (&pool, &runs, &tally);
            s.spawn(move || {
                let mut pending = Vec::new();
                for k in 0..5_000 {
                    let id = p * 5_000 + k;
                    let r = runs.clone();
                    let result = pool.spawn(&Context::background(), move |_| {
                        r[id].fetch_add(1, SeqCst);
                        id
                    });
                    pending.push((id, result));
                    if k % 500 == 0 {
                        // Let the workers run dry and leave (keep-alive zero), so that later
                        // adds must start threads again, and some of those are refused.
                        std::thread::sleep(Duration::from_millis(1));
                    } else if k % 64 == 0 {
                        std::thread::yield_now();
                    }
                }
                for (id, result) in pending {
                    settle(tally, runs, id, result, seed);
                }
            });
        }
    });
    assert!(
        pool.join_timeout(common::DEADLINE),
        "stranded jobs (GRPOOL_SEED={seed})"
    );
    assert!(refusals.load(SeqCst) > 0, "the test never refused a thread");
    let s = pool.stats();
    assert_eq!(s.submitted, tally.accepted.load(SeqCst));
    assert_eq!(s.completed, tally.ok.load(SeqCst));
    assert_eq!(s.discarded, tally.never_ran.load(SeqCst));
    assert_balanced(&pool);
}

/// Jobs that add jobs to their own pool, several levels deep, at the limit and with a small
/// bounded queue: no deadlock, and every nested add either ran or returned `Full`.
#[test]
fn deep_nesting_does_not_deadlock() {
    let _watchdog = Watchdog::new("deep_nesting", Duration::from_secs(120));
    let pool = Pool::builder().limit(2).queue_capacity(4).build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let full = Arc::new(AtomicUsize::new(0));
    fn nest(
        pool: Pool,
        depth: u32,
        ran: Arc<AtomicUsize>,
        full: Arc<AtomicUsize>,
    ) -> impl FnOnce(&Context) + Send {
        move |_| {
            ran.fetch_add(1, SeqCst);
            if depth == 0 {
                return;
            }
            for _ in 0..3 {
                let job = nest(pool.clone(), depth - 1, ran.clone(), full.clone());
                match pool.add(&Context::background(), job) {
                    Ok(()) => {}
                    Err(Error::Full) => {
                        full.fetch_add(1, SeqCst);
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }
    for _ in 0..4 {
        pool.add(
            &Context::background(),
            nest(pool.clone(), 4, ran.clone(), full.clone()),
        )
        .unwrap();
    }
    assert!(
        pool.join_timeout(common::DEADLINE),
        "nested adds deadlocked the pool"
    );
    assert!(ran.load(SeqCst) >= 4);
    assert_balanced(&pool);
}
