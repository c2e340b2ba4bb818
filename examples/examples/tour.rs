//! A short tour of grpool, in a few seconds: the Go document's scenarios (a limited pool,
//! recovering panics, the loop-variable mistake, a pooled collector, pool versus a thread per
//! job) and what Rust adds (contexts, job handles, counters). Prints one section per scenario.

use grpool::{pooled, spawn_pooled, Context, JobError, Pool};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn section(title: &str) {
    println!("\n== {title}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Jobs below panic on purpose; keep the report to one line.
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("..");
        println!(
            "(panic hook: `{message}` on thread {})",
            thread.name().unwrap_or("?")
        );
    }));
    limited_pool()?;
    recover()?;
    loop_variable()?;
    collector()?;
    contexts()?;
    handles()?;
    versus_threads()?;
    println!("\nThat was the tour. See `examples/` for the long versions.");
    Ok(())
}

/// Go: a pool of 100 workers running 1000 one-second jobs; here 5 workers, 20 jobs of 100 ms.
fn limited_pool() -> Result<(), grpool::Error> {
    section("a limited pool: 5 workers, 20 jobs of 100 ms");
    let pool = Pool::with_limit(5);
    let ctx = Context::background();
    for _ in 0..20 {
        pool.add(&ctx, |_| std::thread::sleep(Duration::from_millis(100)))?;
    }
    loop {
        println!(
            "workers: {:>2}   queued jobs: {:>2}",
            pool.size(),
            pool.jobs()
        );
        if pool.join_timeout(Duration::from_millis(100)) {
            break;
        }
    }
    println!(
        "done; at most {} workers ran at once",
        pool.stats().peak_workers
    );
    Ok(())
}

/// Go: `AddWithRecover`.
fn recover() -> Result<(), grpool::Error> {
    section("recovering a panic");
    let pool = Pool::new();
    let array = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (array.clone(), array.clone());
    pool.add_with_recover(
        &Context::background(),
        move |_| {
            a.lock().unwrap().extend([1, 2]);
            panic!("collector failed");
        },
        move |panic| {
            println!("recover function got: {panic}");
            b.lock().unwrap().push(1);
        },
    )?;
    pool.join();
    println!(
        "array length: {} (the worker survived: {} alive)",
        array.lock().unwrap().len(),
        pool.size()
    );
    Ok(())
}

/// Go: the loop-variable mistake, which `spawn_pooled!` cannot make.
fn loop_variable() -> Result<(), grpool::Error> {
    section("the loop variable: each job owns its own `i`");
    let pool = Pool::with_limit(4);
    let seen = Arc::new(Mutex::new(Vec::new()));
    for i in 0..10 {
        drop(spawn_pooled!(pool, [seen], |_| seen
            .lock()
            .unwrap()
            .push(i))?);
    }
    pool.join();
    println!("printed in run order: {:?}", seen.lock().unwrap());
    Ok(())
}

static COLLECTING: AtomicUsize = AtomicUsize::new(0);

#[pooled(limit = 3)]
fn collect(target: u32) -> u32 {
    COLLECTING.fetch_add(1, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(60));
    COLLECTING.fetch_sub(1, Ordering::Relaxed);
    target * 10
}

/// Go's pain point: bursts of collection jobs, with the thread count held flat.
fn collector() -> Result<(), grpool::Error> {
    section("#[pooled(limit = 3)]: 12 collection jobs, never more than 3 threads");
    let handles: Vec<_> = (0..12).map(collect).collect::<Result<_, _>>()?;
    std::thread::sleep(Duration::from_millis(30));
    println!("collecting now: {}", COLLECTING.load(Ordering::Relaxed));
    let results: Vec<u32> = handles.into_iter().map(|h| h.join().unwrap_or(0)).collect();
    println!("results: {results:?}");
    Ok(())
}

/// Contexts: cancelled jobs never start; deadlines wake waiting jobs.
fn contexts() -> Result<(), grpool::Error> {
    section("contexts: cancellation and deadlines");
    let pool = Pool::with_limit(1);
    let (ctx, cancel) = Context::background().with_cancel();
    let slow = pool.spawn(&Context::background(), |_| {
        std::thread::sleep(Duration::from_millis(50))
    })?;
    let skipped = pool.spawn(&ctx, |_| "ran")?;
    cancel.cancel();
    slow.join().ok();
    match skipped.join() {
        Err(JobError::Cancelled) => {
            println!("a job whose context was cancelled while queued never ran")
        }
        other => println!("unexpected: {other:?}"),
    }
    let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(30));
    let start = Instant::now();
    let woke = pool
        .spawn(&ctx, |ctx| ctx.wait_timeout(Duration::from_secs(60)))?
        .join();
    println!(
        "a job waiting on its context woke at the deadline: {woke:?} after {:?}",
        start.elapsed()
    );
    Ok(())
}

/// Job handles: results, panics, and `.await` without a runtime.
fn handles() -> Result<(), grpool::Error> {
    section("job handles");
    let pool = Pool::with_limit(2);
    let squares: Vec<_> = (1..=5u64)
        .map(|i| pool.spawn(&Context::background(), move |_| i * i))
        .collect::<Result<_, _>>()?;
    let squares: Vec<u64> = squares.into_iter().filter_map(|h| h.join().ok()).collect();
    println!("squares: {squares:?}");
    let failed = pool.spawn(&Context::background(), |_| -> u64 { panic!("bad input") })?;
    println!(
        "a panicking job: {}",
        failed.join().map_err(|e| e.to_string()).unwrap_err()
    );
    pool.join(); // the worker counts the job just after the handle learns of it
    let s = pool.stats();
    println!(
        "stats: submitted {} = completed {} + panicked {} + cancelled {} + discarded {}",
        s.submitted, s.completed, s.panicked, s.cancelled, s.discarded
    );
    Ok(())
}

/// The Go document's comparison, small: 20,000 jobs sleeping 1 ms.
fn versus_threads() -> Result<(), grpool::Error> {
    const N: usize = 20_000;
    section("pool (limit 1000) versus a thread per job: 20,000 jobs sleeping 1 ms");
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let pool = Pool::with_limit(1000);
    for _ in 0..N {
        let done = done.clone();
        pool.add(&Context::background(), move |_| {
            std::thread::sleep(Duration::from_millis(1));
            done.fetch_add(1, Ordering::Relaxed);
        })?;
    }
    pool.join();
    let pooled = start.elapsed();
    let peak = pool.stats().peak_workers;

    let start = Instant::now();
    let threads: Vec<_> = (0..N)
        .map(|_| {
            let done = done.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(1));
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap_or(()));
    let unpooled = start.elapsed();
    println!("grpool:         {peak:>6} threads, {pooled:>10.1?}");
    println!("thread per job: {N:>6} threads, {unpooled:>10.1?}");
    println!("(`cargo run --release --example versus_threads` measures memory too)");
    assert_eq!(done.load(Ordering::Relaxed), 2 * N);
    Ok(())
}
