//! `#[pooled]` and `spawn_pooled!` at run time: every accepted form, values returned, limits
//! honoured, contexts passed, capture-list clones made.

#![cfg(not(grpool_loom))]

mod common;

use common::{eventually, Concurrency, Gate};
use grpool::{pooled, spawn_pooled, Context, JobError, JobHandle, Pool};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, LazyLock, Mutex};

#[pooled]
fn double(x: u32) -> u32 {
    x * 2
}

#[test]
fn smoke() {
    let h: JobHandle<u32> = double(21).unwrap();
    assert_eq!(h.join().unwrap(), 42);
    let pool = Pool::new();
    assert_eq!(spawn_pooled!(pool, |_| 7).unwrap().join().unwrap(), 7);
}

static LIMITED: LazyLock<Concurrency> = LazyLock::new(Concurrency::default);
static LIMITED_GATE: LazyLock<Gate> = LazyLock::new(Gate::new);

#[pooled(limit = 3)]
fn limited() {
    LIMITED.enter();
    LIMITED_GATE.wait();
    LIMITED.exit();
}

#[test]
fn limit_gives_a_private_pool_shared_by_every_call() {
    let handles: Vec<_> = (0..10).map(|_| limited().unwrap()).collect();
    eventually("three running", || LIMITED.now() == 3);
    LIMITED_GATE.open();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(LIMITED.max(), 3);
}

const WORKERS: usize = 2;

#[pooled(limit = WORKERS, queue = 64)]
fn with_const_limit(v: Vec<u8>) -> usize {
    v.len()
}

#[pooled(queue = 8)]
fn queue_only(x: u8) -> u8 {
    x
}

#[test]
fn limit_accepts_constants_and_queue_works_with_or_without_limit() {
    assert_eq!(with_const_limit(vec![1, 2, 3]).unwrap().join().unwrap(), 3);
    assert_eq!(queue_only(9).unwrap().join().unwrap(), 9);
}

const ZERO: usize = 0;

#[pooled(limit = ZERO)]
fn zero_limit() {}

#[test]
#[should_panic(expected = "the limit evaluated to 0")]
fn a_constant_limit_of_zero_panics_at_the_first_call() {
    let _ = zero_limit();
}

static SHARED: LazyLock<Pool> =
    LazyLock::new(|| Pool::builder().thread_name("shared-io").build().unwrap());

#[pooled(pool = &*SHARED)]
fn on_shared_pool() -> String {
    std::thread::current().name().unwrap().to_owned()
}

#[pooled(pool = grpool::default_pool())]
fn on_default_pool() -> bool {
    std::thread::current()
        .name()
        .unwrap()
        .starts_with("grpool-default")
}

#[pooled(pool = SHARED.clone())]
fn on_owned_pool() {}

#[test]
fn pool_names_the_pool_by_reference_or_value() {
    assert!(on_shared_pool()
        .unwrap()
        .join()
        .unwrap()
        .starts_with("shared-io-"));
    assert!(on_default_pool().unwrap().join().unwrap());
    on_owned_pool().unwrap().join().unwrap();
}

#[pooled]
fn with_context(ctx: &Context, n: u32) -> Option<u32> {
    ctx.value::<u32>().map(|v| v + n)
}

#[pooled]
fn with_full_path_context(ctx: &grpool::Context) -> bool {
    ctx.is_cancelled()
}

#[test]
fn a_leading_context_is_passed_to_the_job() {
    let ctx = Context::background().with_value(40u32);
    assert_eq!(with_context(&ctx, 2).unwrap().join().unwrap(), Some(42));
    assert!(!with_full_path_context(&Context::background())
        .unwrap()
        .join()
        .unwrap());
    let (ctx, cancel) = Context::background().with_cancel();
    cancel.cancel();
    assert!(matches!(
        with_full_path_context(&ctx).unwrap().join(),
        Err(JobError::Cancelled)
    ));
}

/// Doc comments and attributes are kept.
#[pooled]
#[allow(clippy::too_many_arguments)]
pub(crate) fn patterns(mut x: u32, (a, b): (u32, u32), _: u8) -> u32 {
    x += a * b;
    x
}

#[test]
fn argument_patterns_work() {
    assert_eq!(patterns(1, (2, 3), 0).unwrap().join().unwrap(), 7);
}

#[pooled(limit = 2)]
fn generic<T: Send + 'static + std::fmt::Debug + Clone>(value: T) -> String
where
    Vec<T>: Clone,
{
    format!("{:?}", value.clone())
}

#[test]
fn generics_and_where_clauses_are_kept() {
    assert_eq!(generic(5u8).unwrap().join().unwrap(), "5");
    assert_eq!(generic("s").unwrap().join().unwrap(), "\"s\"");
}

struct Service;

impl Service {
    #[pooled(limit = 1)]
    fn associated(x: u32) -> u32 {
        x + 1
    }
}

#[test]
fn associated_functions_work() {
    assert_eq!(Service::associated(1).unwrap().join().unwrap(), 2);
}

#[pooled]
fn early_return(x: i32) -> Result<i32, String> {
    if x < 0 {
        return Err("negative".into());
    }
    let y: i32 = "2".parse().map_err(|_| "parse")?;
    Ok(x * y)
}

#[test]
fn return_and_question_mark_work_in_the_body() {
    assert_eq!(early_return(4).unwrap().join().unwrap(), Ok(8));
    assert_eq!(
        early_return(-1).unwrap().join().unwrap(),
        Err("negative".into())
    );
}

#[test]
fn spawn_pooled_captures_loop_variables_by_value() {
    let pool = Pool::with_limit(4);
    let seen = Arc::new(Mutex::new(Vec::new()));
    for i in 0..10 {
        drop(spawn_pooled!(pool, [seen], |_| seen.lock().unwrap().push(i)).unwrap());
    }
    pool.join();
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
}

#[test]
fn spawn_pooled_accepts_every_form() {
    let pool = Pool::with_limit(2);
    let ctx = Context::background().with_value(3u8);
    let n = Arc::new(AtomicUsize::new(0));
    let a = spawn_pooled!(pool, |ctx| ctx.value::<u8>().is_none()).unwrap();
    let b = spawn_pooled!(pool, move |_| 1).unwrap();
    let c = spawn_pooled!(pool, &ctx, |ctx| *ctx.value::<u8>().unwrap()).unwrap();
    let d = spawn_pooled!(pool, [n], |_| n.fetch_add(1, SeqCst)).unwrap();
    let e = spawn_pooled!(pool, &ctx, [n], |ctx: &Context| ctx.value::<u8>().copied()).unwrap();
    let f = spawn_pooled!(|_| 6).unwrap();
    let g = spawn_pooled!(&pool, || 7).unwrap();
    let h = spawn_pooled!(grpool::default_pool(), &ctx, |ctx| ctx
        .value::<u8>()
        .copied())
    .unwrap();
    assert!(a.join().unwrap());
    assert_eq!(b.join().unwrap(), 1);
    assert_eq!(c.join().unwrap(), 3);
    assert_eq!(d.join().unwrap(), 0);
    assert_eq!(e.join().unwrap(), Some(3));
    assert_eq!(f.join().unwrap(), 6);
    assert_eq!(g.join().unwrap(), 7);
    assert_eq!(h.join().unwrap(), Some(3));
    // The pool and the captured Arc are still ours.
    assert_eq!(pool.cap(), Some(2));
    assert_eq!(Arc::strong_count(&n), 1);
}

#[test]
fn capture_list_entries_are_cloned_not_moved() {
    let pool = Pool::new();
    let data = vec![1, 2, 3];
    let h = spawn_pooled!(pool, [data], |_| data.len()).unwrap();
    assert_eq!(h.join().unwrap(), 3);
    assert_eq!(data, [1, 2, 3]);
}
