//! The Go document's first example: a pool of 100 workers runs 1000 one-second jobs. Prints the
//! number of workers and of queued jobs every second until the queue is empty and all are done.

use grpool::{Context, Pool};
use std::time::{Duration, Instant};

fn job(_ctx: &Context) {
    std::thread::sleep(Duration::from_secs(1));
}

fn main() -> Result<(), grpool::Error> {
    let pool = Pool::with_limit(100);
    let ctx = Context::background();
    for _ in 0..1000 {
        pool.add(&ctx, job)?;
    }
    let start = Instant::now();
    println!("worker: {}", pool.size());
    println!("  jobs: {}", pool.jobs());
    while !pool.join_timeout(Duration::from_secs(1)) {
        println!("worker: {}", pool.size());
        println!("  jobs: {}", pool.jobs());
        println!();
    }
    let stats = pool.stats();
    println!(
        "done: {} jobs in {:.1?} on at most {} workers",
        stats.completed,
        start.elapsed(),
        stats.peak_workers
    );
    Ok(())
}
