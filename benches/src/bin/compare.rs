//! Interleaved comparison of grpool and its peers: each round runs every peer once, in turn,
//! so that a noisy moment on a shared machine hits all of them alike; the report gives the
//! median and the spread (min–max) over the rounds, and the ratios the targets are stated in.
//!
//! `cargo run --release -p grpool-benches --bin compare -- [SCENARIO ...] [--rounds N] [--peers A,B]`
//! Scenarios: tiny, tiny4, sleep, sleep-scale, memory, burst, cost, cost-backlog, all (default: all but
//! sleep-scale, which takes minutes). Prints a Markdown table; with `--json FILE` also writes
//! the raw figures for `benches/chart.py`.

use grpool_benches::{rss_kib, sleepy, threads_now, tiny, Kind, Peer};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

#[derive(Default)]
struct Report {
    /// scenario -> peer -> samples (ms or bytes)
    rows: BTreeMap<String, Vec<(String, Vec<f64>, String)>>,
}

impl Report {
    fn add(&mut self, scenario: &str, peer: &str, samples: Vec<f64>, unit: &str) {
        self.rows.entry(scenario.to_owned()).or_default().push((
            peer.to_owned(),
            samples,
            unit.to_owned(),
        ));
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f` for each peer, `rounds` times, interleaved.
fn interleaved(
    report: &mut Report,
    scenario: &str,
    rounds: usize,
    peers: &[(String, Peer)],
    f: impl Fn(&Peer) -> Duration,
) {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
    for _ in 0..rounds {
        for (i, (_, peer)) in peers.iter().enumerate() {
            samples[i].push(ms(f(peer)));
        }
    }
    for ((name, _), s) in peers.iter().zip(samples) {
        eprintln!("  {scenario:<12} {name:<18} median {:>9.1} ms", median(&s));
        report.add(scenario, name, s, "ms");
    }
}

fn pools(limit: usize) -> Vec<(String, Peer)> {
    Kind::POOLS
        .into_iter()
        .map(|k| (k.name().to_owned(), Peer::new(k, limit)))
        .collect()
}

/// Child process: queue 1,000,000 jobs, each holding an `Arc` clone, behind one blocked job on a
/// pool of one worker; print the resident memory per queued job in bytes.
fn child_memory(kind: Kind) {
    const N: usize = 1_000_000;
    let peer = Peer::new(kind, 1);
    let gate = Arc::new(Barrier::new(2));
    let started = Arc::new(AtomicBool::new(false));
    let (g, s) = (gate.clone(), started.clone());
    peer.submit(move || {
        s.store(true, Ordering::SeqCst);
        g.wait();
    });
    while !started.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    // Each job holds one `Arc` clone, and counts itself through it.
    let shared = Arc::new(AtomicUsize::new(0));
    let before = rss_kib();
    for _ in 0..N {
        let shared = shared.clone();
        peer.submit(move || {
            shared.fetch_add(1, Ordering::Relaxed);
        });
    }
    let after = rss_kib();
    println!(
        "{}",
        (after.saturating_sub(before) as f64 * 1024.0) / N as f64
    );
    gate.wait();
    while shared.load(Ordering::Relaxed) < N {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Child process: a burst of 100,000 tiny jobs on the peer's default pool; print the time in
/// ms and the most threads seen at once beyond the process's own.
fn child_burst(kind: Kind) {
    let base = threads_now();
    let peer = Peer::with_defaults(kind);
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicUsize::new(0));
    let (st, pk) = (stop.clone(), peak.clone());
    let sampler = std::thread::spawn(move || {
        while !st.load(Ordering::Relaxed) {
            pk.fetch_max(threads_now(), Ordering::Relaxed);
            std::thread::sleep(Duration::from_micros(200));
        }
    });
    let t = tiny(&peer, 100_000, 1);
    peak.fetch_max(threads_now(), Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler");
    // The process's own threads (main, sampler) are not the pool's.
    let workers = peak.load(Ordering::Relaxed).saturating_sub(base + 1);
    let workers = match &peer {
        Peer::Grpool(p) => p.stats().peak_workers,
        _ => workers,
    };
    println!("{} {}", ms(t), workers);
}

fn child(args: &[String]) -> Vec<f64> {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .arg("--child")
        .args(args)
        .output()
        .expect("child process");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let kind = Kind::from_name(&args[2]).expect("peer name");
        match args[1].as_str() {
            "memory" => child_memory(kind),
            _ => child_burst(kind),
        }
        return;
    }
    let mut rounds = 5;
    let mut json = None;
    let mut scenarios = Vec::new();
    let mut peers: Vec<Kind> = Kind::POOLS.to_vec();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rounds" => rounds = it.next().and_then(|r| r.parse().ok()).expect("--rounds N"),
            "--json" => json = it.next().cloned(),
            "--peers" => {
                let names = it.next().expect("--peers NAME,NAME");
                peers = names
                    .split(',')
                    .map(|n| Kind::from_name(n).expect("a peer name"))
                    .collect();
            }
            s => scenarios.push(s.to_owned()),
        }
    }
    if scenarios.is_empty() || scenarios.iter().any(|s| s == "all") {
        scenarios = ["tiny", "tiny4", "sleep", "memory", "burst"]
            .map(String::from)
            .to_vec();
    }
    let mut report = Report::default();
    for scenario in &scenarios {
        eprintln!("{scenario}: {rounds} interleaved rounds");
        match scenario.as_str() {
            "tiny" => interleaved(&mut report, "tiny", rounds, &pools(2), |p| {
                tiny(p, 1_000_000, 1)
            }),
            "tiny4" => interleaved(&mut report, "tiny-4-producers", rounds, &pools(2), |p| {
                tiny(p, 1_000_000, 4)
            }),
            "sleep" => interleaved(&mut report, "sleep-1000", rounds, &pools(1000), |p| {
                sleepy(p, 100_000, Duration::from_millis(1))
            }),
            "sleep-scale" => {
                // Ten thousand threads per pool: one pool alive at a time, each warmed up by a
                // first run (so every peer starts with its threads), then measured.
                let mut samples: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
                for _ in 0..rounds.min(3) {
                    for (i, &kind) in peers.iter().enumerate() {
                        let peer = Peer::new(kind, 10_000);
                        sleepy(&peer, 20_000, Duration::from_millis(1));
                        let t = ms(sleepy(&peer, 1_000_000, Duration::from_millis(1)));
                        eprintln!("  sleep-10000  {:<18} {t:>9.1} ms", kind.name());
                        samples[i].push(t);
                    }
                }
                for (kind, s) in peers.iter().zip(samples) {
                    report.add("sleep-10000", kind.name(), s, "ms");
                }
            }
            "memory" => {
                for kind in Kind::POOLS {
                    let samples: Vec<f64> = (0..rounds)
                        .filter_map(|_| {
                            child(&["memory".into(), kind.name().into()])
                                .first()
                                .copied()
                        })
                        .collect();
                    eprintln!(
                        "  memory       {:<18} median {:>9.1} B/job",
                        kind.name(),
                        median(&samples)
                    );
                    report.add("queued-memory", kind.name(), samples, "B/job");
                }
            }
            "burst" => {
                for kind in Kind::POOLS {
                    let runs: Vec<Vec<f64>> = (0..rounds)
                        .map(|_| child(&["burst".into(), kind.name().into()]))
                        .collect();
                    let times: Vec<f64> = runs.iter().filter_map(|r| r.first().copied()).collect();
                    let threads: Vec<f64> = runs.iter().filter_map(|r| r.get(1).copied()).collect();
                    eprintln!(
                        "  burst        {:<18} median {:>9.1} ms, {:>5.0} threads",
                        kind.name(),
                        median(&times),
                        median(&threads)
                    );
                    report.add("burst-default", kind.name(), times, "ms");
                    report.add("burst-default-threads", kind.name(), threads, "threads");
                }
            }
            "cost" => cost(&mut report, rounds, 2),
            "cost-backlog" => cost(&mut report, rounds, 1),
            other => eprintln!("unknown scenario {other}"),
        }
    }
    print_markdown(&report, rounds);
    if let Some(path) = json {
        std::fs::write(&path, to_json(&report)).expect("write the JSON report");
        eprintln!("wrote {path}");
    }
}

/// What each way of adding a job costs: 100,000 jobs on one grpool of `workers` workers, from
/// first submit to last completion; `add + 1 alloc` is `add` with one extra heap allocation per
/// job, the yardstick for `spawn`'s handle. With one worker (`cost-backlog`) the producer runs
/// far ahead, so most jobs wait in a deep queue.
fn cost(report: &mut Report, rounds: usize, workers: usize) {
    const N: usize = 100_000;
    let pool = grpool::Pool::with_limit(workers);
    let ctx = grpool::Context::background();
    let timed = |submit: &dyn Fn(Arc<grpool_benches::Latch>)| {
        let latch = grpool_benches::Latch::new(N);
        let start = std::time::Instant::now();
        for _ in 0..N {
            submit(latch.clone());
        }
        latch.wait();
        ms(start.elapsed())
    };
    type Submit<'a> = &'a dyn Fn(Arc<grpool_benches::Latch>);
    let ways: [(&str, Submit<'_>); 4] = [
        ("add", &|l| {
            pool.add(&ctx, move |_| l.count_down()).expect("open")
        }),
        ("add + 1 alloc", &|l| {
            let l = Box::new(l);
            pool.add(&ctx, move |_| l.count_down()).expect("open")
        }),
        ("spawn", &|l| {
            drop(pool.spawn(&ctx, move |_| l.count_down()).expect("open"))
        }),
        ("add_with_recover", &|l| {
            pool.add_with_recover(&ctx, move |_| l.count_down(), |_| {})
                .expect("open")
        }),
    ];
    let mut samples = vec![Vec::new(); ways.len()];
    for _ in 0..rounds {
        for (i, (_, way)) in ways.iter().enumerate() {
            samples[i].push(timed(*way));
        }
    }
    for ((name, _), s) in ways.iter().zip(samples) {
        eprintln!(
            "  cost/{workers}       {name:<18} median {:>9.2} ms",
            median(&s)
        );
        report.add(&format!("cost-100k-{workers}-workers"), name, s, "ms");
    }
}

fn print_markdown(report: &Report, rounds: usize) {
    println!("| scenario | peer | median | spread (min–max) | vs grpool |");
    println!("|---|---|---:|---:|---:|");
    for (scenario, rows) in &report.rows {
        let ours = rows.iter().find(|r| r.0 == "grpool").map(|r| median(&r.1));
        for (peer, samples, unit) in rows {
            let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
            let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let m = median(samples);
            let ratio = ours.map_or(String::new(), |o| format!("{:.2}x", m / o));
            println!("| {scenario} | {peer} | {m:.1} {unit} | {min:.1}–{max:.1} | {ratio} |");
        }
    }
    println!("\n({rounds} rounds; \"vs grpool\" is the peer's median over grpool's: above 1 means grpool is faster or smaller.)");
}

fn to_json(report: &Report) -> String {
    let mut out = String::from("{\n");
    let scenarios: Vec<String> = report
        .rows
        .iter()
        .map(|(scenario, rows)| {
            let peers: Vec<String> = rows
                .iter()
                .map(|(peer, samples, unit)| {
                    let s: Vec<String> = samples.iter().map(|x| format!("{x:.3}")).collect();
                    format!(
                        "    \"{peer}\": {{\"unit\": \"{unit}\", \"samples\": [{}]}}",
                        s.join(", ")
                    )
                })
                .collect();
            format!("  \"{scenario}\": {{\n{}\n  }}", peers.join(",\n"))
        })
        .collect();
    out.push_str(&scenarios.join(",\n"));
    out.push_str("\n}\n");
    out
}
