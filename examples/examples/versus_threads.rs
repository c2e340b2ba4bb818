//! The Go document's performance test, in Rust: N jobs that each sleep 1 ms, run on a pool with
//! a worker limit, versus one `std::thread` per job. Prints a table like the document's: threads
//! used, peak memory (the process's VmHWM, read from the OS), and wall time.
//!
//! `cargo run --release --example versus_threads -- [N] [LIMIT]` (defaults: 100000 and 1000).
//! Each side runs in a fresh process of its own, so its peak memory is its own. When the
//! operating system refuses a thread, the table says so instead of giving figures.

use grpool::{Context, Pool};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn sleep_1ms(done: &AtomicUsize) {
    std::thread::sleep(Duration::from_millis(1));
    done.fetch_add(1, Ordering::Relaxed);
}

/// Runs one side and prints `threads peak_kib millis`, or `refused <k> <why>`.
fn child(mode: &str, n: usize, limit: usize) {
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let threads = if mode == "pool" {
        let pool = Pool::with_limit(limit);
        let ctx = Context::background();
        for _ in 0..n {
            let done = done.clone();
            pool.add(&ctx, move |_| sleep_1ms(&done))
                .expect("the pool is open");
        }
        pool.join();
        pool.stats().peak_workers
    } else {
        let mut handles = Vec::with_capacity(n);
        for k in 0..n {
            let done = done.clone();
            match std::thread::Builder::new().spawn(move || sleep_1ms(&done)) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    println!("refused {k} {e}");
                    handles.into_iter().for_each(|h| h.join().unwrap_or(()));
                    return;
                }
            }
        }
        handles.into_iter().for_each(|h| h.join().unwrap_or(()));
        n
    };
    let elapsed = start.elapsed();
    assert_eq!(done.load(Ordering::Relaxed), n);
    println!("{threads} {} {}", peak_rss_kib(), elapsed.as_millis());
}

/// Runs one side in a child process: `Ok((threads, peak KiB, ms))`, or why it did not finish.
fn run(mode: &str, n: usize, limit: usize) -> Result<(u64, u64, u64), String> {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(["--child", mode, &n.to_string(), &limit.to_string()])
        .output()
        .expect("start a child process");
    let text = String::from_utf8_lossy(&out.stdout);
    if let Some(refused) = text.trim().strip_prefix("refused ") {
        let (k, why) = refused.split_once(' ').unwrap_or((refused, ""));
        return Err(format!(
            "did not finish: the OS refused thread #{k} ({why})"
        ));
    }
    let figures: Vec<u64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match figures[..] {
        [t, kib, ms] if out.status.success() => Ok((t, kib, ms)),
        _ => Err(format!(
            "did not finish: the process ended with {}",
            out.status
        )),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let n = args[3].parse().expect("N");
        let limit = args[4].parse().expect("LIMIT");
        return child(&args[2], n, limit);
    }
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let limit: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("{n} jobs, each sleeping 1 ms; pool limit {limit}; {cores} cores");
    let pool = run("pool", n, limit);
    let threads = run("threads", n, limit);
    println!();
    println!(
        "{:<18}{:>10}{:>16}{:>12}",
        "", "threads", "peak memory", "time"
    );
    for (name, result) in [("grpool", &pool), ("thread per job", &threads)] {
        match result {
            Ok((t, kib, ms)) => println!("{name:<18}{t:>10}{:>12} MiB{ms:>9} ms", kib / 1024),
            Err(why) => println!("{name:<18}  {why}"),
        }
    }
    if let (Ok(p), Ok(t)) = (&pool, &threads) {
        println!();
        println!(
            "grpool used {:.0}x fewer threads and {:.1}x less memory, in {:.2}x the time",
            t.0 as f64 / p.0.max(1) as f64,
            t.1 as f64 / p.1.max(1) as f64,
            p.2 as f64 / t.2.max(1) as f64
        );
    }
}
