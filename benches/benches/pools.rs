//! grpool against its peers, each measured in the same run: a hand-written crossbeam loop,
//! `threadpool`, `rayon::ThreadPool::spawn`, `rusty_pool`, tokio's `spawn_blocking`, and a
//! thread per job where that finishes.
//!
//! Scenarios (see `BENCHMARKS.md`): `tiny` (jobs that add one to a shared atomic, one producer,
//! limit 2), `tiny-4-producers`, `sleep` (jobs sleeping 1 ms, limit 1000), `burst-default`
//! (tiny jobs on each peer's default pool), `round-trip` (spawn and join one job on a warm
//! pool), and `cost` (what `add`, `spawn` and `add_with_recover` each cost per job). Pools are
//! built once per benchmark and reused across iterations, so workers are warm.
//!
//! `cargo bench -p grpool-benches`; CI runs `cargo bench -p grpool-benches -- --test`, which
//! runs every benchmark once, untimed, with `GRPOOL_BENCH_SMOKE=1` shrinking the job counts.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use grpool::{Context, Pool};
use grpool_benches::{sleepy, tiny, Kind, Latch, Peer};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn smoke() -> bool {
    std::env::var_os("GRPOOL_BENCH_SMOKE").is_some()
}

fn scale(n: usize) -> usize {
    if smoke() {
        (n / 1000).max(10)
    } else {
        n
    }
}

fn tiny_jobs(c: &mut Criterion) {
    for (group, producers) in [("tiny", 1), ("tiny-4-producers", 4)] {
        let n = scale(1_000_000);
        let mut g = c.benchmark_group(group);
        g.sample_size(10).throughput(Throughput::Elements(n as u64));
        for kind in Kind::POOLS {
            let peer = Peer::new(kind, 2);
            g.bench_with_input(BenchmarkId::new(kind.name(), n), &n, |b, &n| {
                b.iter_custom(|iters| (0..iters).map(|_| tiny(&peer, n, producers)).sum())
            });
        }
        g.finish();
    }
}

fn sleep_jobs(c: &mut Criterion) {
    let n = scale(100_000);
    let mut g = c.benchmark_group("sleep");
    g.sample_size(10).throughput(Throughput::Elements(n as u64));
    for kind in Kind::POOLS {
        let peer = Peer::new(kind, 1000);
        g.bench_with_input(BenchmarkId::new(kind.name(), n), &n, |b, &n| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| sleepy(&peer, n, Duration::from_millis(1)))
                    .sum()
            })
        });
    }
    g.finish();
}

fn burst_on_default_pools(c: &mut Criterion) {
    let n = scale(100_000);
    let mut g = c.benchmark_group("burst-default");
    g.sample_size(10).throughput(Throughput::Elements(n as u64));
    for kind in Kind::POOLS {
        let peer = Peer::with_defaults(kind);
        g.bench_with_input(BenchmarkId::new(kind.name(), n), &n, |b, &n| {
            b.iter_custom(|iters| (0..iters).map(|_| tiny(&peer, n, 1)).sum())
        });
    }
    // The same burst on a grpool limited to the cores, for the "within 1.25x" target.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let limited = Peer::new(Kind::Grpool, cores);
    g.bench_with_input(BenchmarkId::new("grpool-limit-cores", n), &n, |b, &n| {
        b.iter_custom(|iters| (0..iters).map(|_| tiny(&limited, n, 1)).sum())
    });
    g.finish();
}

fn round_trip(c: &mut Criterion) {
    let mut g = c.benchmark_group("round-trip");
    let pool = Pool::with_limit(2);
    let ctx = Context::background();
    g.bench_function("grpool-spawn-join", |b| {
        b.iter(|| {
            pool.spawn(&ctx, |_| black_box(1))
                .expect("open")
                .join()
                .expect("no panic")
        })
    });
    for kind in Kind::POOLS {
        let peer = Peer::new(kind, 2);
        g.bench_function(BenchmarkId::new("submit-and-wait", kind.name()), |b| {
            b.iter(|| {
                let latch = Latch::new(1);
                let l = latch.clone();
                peer.submit(move || l.count_down());
                latch.wait();
            })
        });
    }
    g.finish();
}

fn feature_costs(c: &mut Criterion) {
    let n = scale(100_000);
    let mut g = c.benchmark_group("cost");
    g.sample_size(10).throughput(Throughput::Elements(n as u64));
    let pool = Pool::with_limit(2);
    let ctx = Context::background();
    // Submits `n` jobs with `submit`, each counting down the latch; from first submit to last
    // completion.
    let timed = |iters: u64, submit: &dyn Fn(Arc<Latch>)| -> Duration {
        (0..iters)
            .map(|_| {
                let latch = Latch::new(n);
                let start = Instant::now();
                for _ in 0..n {
                    submit(latch.clone());
                }
                latch.wait();
                start.elapsed()
            })
            .sum()
    };
    g.bench_function(BenchmarkId::new("add", n), |b| {
        b.iter_custom(|iters| {
            timed(iters, &|l| {
                pool.add(&ctx, move |_| l.count_down()).expect("open")
            })
        })
    });
    g.bench_function(BenchmarkId::new("add-plus-one-box", n), |b| {
        b.iter_custom(|iters| {
            timed(iters, &|l| {
                let l = Box::new(l);
                pool.add(&ctx, move |_| l.count_down()).expect("open")
            })
        })
    });
    g.bench_function(BenchmarkId::new("spawn", n), |b| {
        b.iter_custom(|iters| {
            timed(iters, &|l| {
                drop(pool.spawn(&ctx, move |_| l.count_down()).expect("open"))
            })
        })
    });
    g.bench_function(BenchmarkId::new("add_with_recover", n), |b| {
        b.iter_custom(|iters| {
            timed(iters, &|l| {
                pool.add_with_recover(&ctx, move |_| l.count_down(), |_| {})
                    .expect("open")
            })
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    tiny_jobs,
    sleep_jobs,
    burst_on_default_pools,
    round_trip,
    feature_costs
);
criterion_main!(benches);
