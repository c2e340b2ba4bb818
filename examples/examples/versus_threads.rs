//! The Go document's performance test, in Rust: N jobs that each sleep 1 ms, run on a pool with
//! a worker limit, versus one `std::thread` per job. Prints a table like the document's: threads
//! used, peak memory (the process's VmHWM, read from the OS), and wall time.
//!
//! `cargo run --release --example versus_threads -- [N] [LIMIT]` (defaults: 100000 and 1000).
//! Each side runs in a fresh process of its own, so its peak memory is its own.

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

/// Runs one side and prints `threads peak_kib millis` on one line.
fn child(mode: &str, n: usize, limit: usize) {
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let threads = match mode {
        "pool" => {
            let pool = Pool::with_limit(limit);
            let ctx = Context::background();
            for _ in 0..n {
                let done = done.clone();
                pool.add(&ctx, move |_| {
                    std::thread::sleep(Duration::from_millis(1));
                    done.fetch_add(1, Ordering::Relaxed);
                })
                .expect("the pool is open");
            }
            pool.join();
            pool.stats().peak_workers
        }
        _ => {
            let handles: Vec<_> = (0..n)
                .map(|_| {
                    let done = done.clone();
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(1));
                        done.fetch_add(1, Ordering::Relaxed);
                    })
                })
                .collect();
            handles
                .into_iter()
                .for_each(|h| h.join().expect("no panic"));
            n
        }
    };
    let elapsed = start.elapsed();
    assert_eq!(done.load(Ordering::Relaxed), n);
    println!("{threads} {} {}", peak_rss_kib(), elapsed.as_millis());
}

fn run(mode: &str, n: usize, limit: usize) -> (usize, u64, u64) {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(["--child", mode, &n.to_string(), &limit.to_string()])
        .output()
        .expect("start a child process");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text
        .split_whitespace()
        .map(|w| w.parse::<u64>().unwrap_or(0));
    let (t, m, ms) = (it.next(), it.next(), it.next());
    (t.unwrap_or(0) as usize, m.unwrap_or(0), ms.unwrap_or(0))
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
    println!(
        "{n} jobs, each sleeping 1 ms; pool limit {limit}; {} cores",
        cores()
    );
    let pool = run("pool", n, limit);
    let threads = run("threads", n, limit);
    println!();
    println!(
        "{:<22}{:>12}{:>16}{:>14}",
        "", "threads", "peak memory", "time"
    );
    let row = |name: &str, (t, kib, ms): (usize, u64, u64)| {
        println!("{name:<22}{t:>12}{:>13} MiB{ms:>11} ms", kib / 1024);
    };
    row("grpool", pool);
    row("thread per job", threads);
    if pool.2 > 0 && pool.1 > 0 {
        println!();
        println!(
            "grpool used {:.0}x fewer threads and {:.1}x less memory; time ratio (threads / grpool): {:.2}",
            threads.0 as f64 / pool.0.max(1) as f64,
            threads.1 as f64 / pool.1 as f64,
            threads.2 as f64 / pool.2 as f64
        );
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
