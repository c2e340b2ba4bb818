//! The Go document's pain point: every second a collection round fires at 100 targets, and the
//! network stalls so rounds overlap. With `#[pooled(limit = 10)]` the thread count stays flat
//! while the backlog queues. Prints the round, the collector's workers and its queued jobs.
//!
//! `cargo run --release --example pooled_collector -- [rounds]` (default 5).

use grpool::{pooled, JobHandle};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Collects one target; the "network" takes 50 to 500 ms.
#[pooled(limit = 10)]
fn collect(target: u32, stall: Duration) -> u32 {
    IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
    std::thread::sleep(stall);
    IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    target
}

fn main() -> Result<(), grpool::Error> {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let mut handles: Vec<JobHandle<u32>> = Vec::new();
    for round in 1..=rounds {
        for target in 0..100 {
            let stall = Duration::from_millis(50 + u64::from((target * 37 + round * 11) % 450));
            handles.push(collect(target, stall)?);
        }
        std::thread::sleep(Duration::from_millis(200));
        println!(
            "round {round}: {} collecting at once, {} waiting",
            IN_FLIGHT.load(Ordering::Relaxed),
            handles.iter().filter(|h| !h.is_finished()).count()
        );
    }
    let collected = handles
        .into_iter()
        .map(|h| h.join().is_ok() as usize)
        .sum::<usize>();
    println!("collected {collected} targets; never more than 10 threads collecting");
    Ok(())
}
