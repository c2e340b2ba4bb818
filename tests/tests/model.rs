//! Property test: random sequences of operations, run against the pool and against a simple
//! model of it, compared at every step where the pool's state is deterministic.

#![cfg(not(grpool_loom))]

mod common;

use grpool::{Context, Error, Pool};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Add { cancelled: bool, panics: bool },
    Pause,
    Resume,
    Clear,
    SetLimit(Option<usize>),
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<bool>(), any::<bool>()).prop_map(|(c, p)| Op::Add { cancelled: c && p, panics: p && !c }),
        1 => Just(Op::Pause),
        1 => Just(Op::Resume),
        1 => Just(Op::Clear),
        1 => proptest::option::of(1usize..4).prop_map(Op::SetLimit),
        1 => Just(Op::Close),
    ]
}

/// What the pool should report.
#[derive(Debug, Default, PartialEq, Eq)]
struct Model {
    paused: bool,
    closed: bool,
    queued: usize,
    submitted: u64,
    completed: u64,
    panicked: u64,
    cancelled: u64,
    discarded: u64,
}

impl Model {
    /// A resumed pool runs what was queued.
    fn drain(&mut self, outcomes: &mut Vec<bool>) {
        if !self.paused {
            for panics in outcomes.drain(..) {
                if panics {
                    self.panicked += 1;
                } else {
                    self.completed += 1;
                }
            }
            self.queued = 0;
        }
    }
}

fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let pool = Pool::builder()
        .limit(2)
        .panic_handler(|_| {})
        .build()
        .unwrap();
    let mut model = Model::default();
    // Jobs queued while paused, and whether each will panic.
    let mut waiting: Vec<bool> = Vec::new();
    for op in ops {
        match op {
            Op::Add { cancelled, panics } => {
                let ctx = if cancelled {
                    let (ctx, cancel) = Context::background().with_cancel();
                    cancel.cancel();
                    ctx
                } else {
                    Context::background()
                };
                let result = pool.add(&ctx, move |_| {
                    if panics {
                        panic!("model panic");
                    }
                });
                if model.closed {
                    prop_assert!(matches!(result, Err(Error::Closed)));
                    continue;
                }
                prop_assert!(result.is_ok());
                model.submitted += 1;
                if cancelled {
                    model.cancelled += 1;
                } else {
                    waiting.push(panics);
                    model.queued += 1;
                }
            }
            Op::Pause => {
                pool.pause();
                model.paused = true;
            }
            Op::Resume => {
                pool.resume();
                model.paused = false;
            }
            Op::Clear => {
                let n = pool.clear_jobs();
                if model.paused {
                    prop_assert_eq!(n, model.queued);
                    model.discarded += n as u64;
                    model.queued = 0;
                    waiting.clear();
                } else {
                    // Jobs may be running or done already; whatever was cleared was not run.
                    model.discarded += n as u64;
                    for _ in 0..n {
                        waiting.pop();
                    }
                    model.queued -= n;
                }
            }
            Op::SetLimit(limit) => pool.set_limit(limit),
            Op::Close => {
                pool.close();
                model.closed = true;
            }
        }
        if model.paused {
            prop_assert_eq!(pool.jobs(), model.queued);
            prop_assert_eq!(pool.stats().submitted, model.submitted);
        } else {
            prop_assert!(
                pool.join_timeout(common::DEADLINE),
                "the pool never went idle"
            );
            model.drain(&mut waiting);
            let s = pool.stats();
            prop_assert_eq!(
                (s.submitted, s.cancelled, s.discarded, s.queued),
                (model.submitted, model.cancelled, model.discarded, 0)
            );
            // Which jobs were cleared before they ran is up to timing; the sum is not.
            prop_assert_eq!(s.completed + s.panicked, model.completed + model.panicked);
        }
        prop_assert_eq!(pool.is_paused(), model.paused);
        prop_assert_eq!(pool.is_closed(), model.closed);
    }
    pool.resume();
    prop_assert!(pool.join_timeout(common::DEADLINE));
    common::assert_balanced(&pool);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_pool_follows_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        check(ops)?;
    }
}

#[test]
fn smoke() {
    check(vec![
        Op::Pause,
        Op::Add {
            cancelled: false,
            panics: false,
        },
        Op::Add {
            cancelled: true,
            panics: false,
        },
        Op::Clear,
        Op::Add {
            cancelled: false,
            panics: true,
        },
        Op::Resume,
        Op::Close,
        Op::Add {
            cancelled: false,
            panics: false,
        },
    ])
    .unwrap();
}
