//! `Context`: cancellation trees, deadlines, values, and how jobs see them.

#![cfg(not(grpool_loom))]

mod common;

use common::{assert_balanced, eventually, Gate};
use grpool::{Context, ContextError, JobError, Pool};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn smoke() {
    let ctx = Context::background();
    assert!(!ctx.is_cancelled());
    assert_eq!(ctx.err(), None);
    assert_eq!(ctx.deadline(), None);
    assert_eq!(ctx.value::<u32>(), None);
    assert!(!ctx.wait_timeout(Duration::from_millis(1)));
    assert_eq!(format!("{ctx:?}"), "Context::background()");
}

#[test]
fn cancelling_a_parent_cancels_children_but_not_the_reverse() {
    let (parent, cancel_parent) = Context::background().with_cancel();
    let (child, cancel_child) = parent.with_cancel();
    let (grandchild, _keep) = child.with_value(1u8).with_cancel();
    cancel_child.cancel();
    assert!(child.is_cancelled() && grandchild.is_cancelled());
    assert!(!parent.is_cancelled(), "a child never cancels its parent");
    let (sibling, _keep) = parent.with_cancel();
    cancel_parent.cancel();
    assert!(parent.is_cancelled() && sibling.is_cancelled());
    assert_eq!(sibling.err(), Some(ContextError::Cancelled));
}

#[test]
fn a_child_made_after_its_parent_was_cancelled_starts_cancelled() {
    let (parent, cancel) = Context::background().with_cancel();
    cancel.cancel();
    let (child, _keep) = parent.with_timeout(Duration::from_secs(60));
    assert_eq!(child.err(), Some(ContextError::Cancelled));
}

#[test]
fn dropping_a_cancel_handle_does_not_cancel() {
    let (ctx, cancel) = Context::background().with_cancel();
    drop(cancel);
    assert!(!ctx.is_cancelled());
}

#[test]
fn deadlines_take_the_earlier_of_child_and_parent() {
    let now = Instant::now();
    let (parent, _a) = Context::background().with_deadline(now + Duration::from_secs(10));
    let (later, _b) = parent.with_deadline(now + Duration::from_secs(20));
    let (sooner, _c) = parent.with_deadline(now + Duration::from_secs(5));
    assert_eq!(later.deadline(), Some(now + Duration::from_secs(10)));
    assert_eq!(sooner.deadline(), Some(now + Duration::from_secs(5)));
    assert_eq!(parent.with_value("x").deadline(), parent.deadline());
}

#[test]
fn a_child_cancelled_through_its_parent_reports_the_parents_reason() {
    let (parent, _keep) = Context::background().with_timeout(Duration::from_millis(5));
    let (child, _keep2) = parent.with_cancel();
    assert!(child.wait_timeout(common::DEADLINE));
    assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
    assert_eq!(parent.err(), Some(ContextError::DeadlineExceeded));
}

#[test]
fn wait_timeout_wakes_at_the_deadline_without_polling() {
    let (ctx, _keep) = Context::background().with_timeout(Duration::from_millis(30));
    let start = Instant::now();
    assert!(ctx.wait_timeout(common::DEADLINE), "woken by the deadline");
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
}

#[test]
fn wait_timeout_returns_false_when_time_is_up_and_true_on_cancel() {
    let (ctx, cancel) = Context::background().with_cancel();
    assert!(!ctx.wait_timeout(Duration::from_millis(5)));
    let c2 = ctx.clone();
    let waiter = std::thread::spawn(move || c2.wait_timeout(common::DEADLINE));
    cancel.cancel();
    assert!(waiter.join().unwrap());
    assert!(
        ctx.wait_timeout(Duration::from_secs(3600)),
        "at once when already cancelled"
    );
}

#[test]
fn huge_timeouts_saturate_instead_of_overflowing() {
    let (ctx, cancel) = Context::background().with_timeout(Duration::MAX);
    assert!(!ctx.is_cancelled());
    assert!(ctx
        .deadline()
        .is_some_and(|d| d > Instant::now() + Duration::from_secs(86_400 * 365)));
    let (child, _keep) = ctx.with_timeout(Duration::MAX);
    assert!(!child.is_cancelled());
    cancel.cancel();
    assert!(child.wait_timeout(Duration::MAX));
}

#[test]
fn values_are_found_in_the_nearest_ancestor() {
    #[derive(Debug, PartialEq)]
    struct User(&'static str);
    let root = Context::background()
        .with_value(User("root"))
        .with_value(7u32);
    let (mid, _keep) = root.with_cancel();
    let leaf = mid.with_value(User("leaf"));
    assert_eq!(leaf.value::<User>(), Some(&User("leaf")));
    assert_eq!(mid.value::<User>(), Some(&User("root")));
    assert_eq!(leaf.value::<u32>(), Some(&7));
    assert_eq!(leaf.value::<i64>(), None);
}

#[test]
fn a_job_receives_the_context_it_was_added_with() {
    let pool = Pool::with_limit(2);
    let ctx = Context::background().with_value("request-42");
    let h = pool
        .spawn(&ctx, |ctx| ctx.value::<&str>().copied())
        .unwrap();
    assert_eq!(h.join().unwrap(), Some("request-42"));
}

#[test]
fn a_job_whose_context_is_cancelled_at_add_is_accepted_but_never_runs() {
    let pool = Pool::with_limit(1);
    let (ctx, cancel) = Context::background().with_cancel();
    cancel.cancel();
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    pool.add(&ctx, move |_| r.store(true, SeqCst)).unwrap();
    let h = pool.spawn(&ctx, |_| ()).unwrap();
    assert!(matches!(h.join(), Err(JobError::Cancelled)));
    pool.join();
    assert!(!ran.load(SeqCst));
    assert_eq!(pool.stats().cancelled, 2);
    assert_balanced(&pool);
}

#[test]
fn a_job_cancelled_while_queued_does_not_run() {
    let pool = Pool::with_limit(1);
    let gate = Gate::new();
    let g = gate.clone();
    pool.add(&Context::background(), move |_| g.wait()).unwrap();
    eventually("the blocker to start", || pool.jobs() == 0);
    let (ctx, cancel) = Context::background().with_cancel();
    let h = pool.spawn(&ctx, |_| ()).unwrap();
    let (timed, _keep) = Context::background().with_timeout(Duration::from_millis(1));
    let late = pool.spawn(&timed, |_| ()).unwrap();
    cancel.cancel();
    eventually("the deadline to pass", || timed.is_cancelled());
    gate.open();
    assert!(matches!(h.join(), Err(JobError::Cancelled)));
    assert!(matches!(late.join(), Err(JobError::Cancelled)));
    pool.join();
    assert_eq!(pool.stats().cancelled, 2);
    assert_balanced(&pool);
}

#[test]
fn a_running_job_sees_cancellation() {
    let pool = Pool::with_limit(1);
    let (ctx, cancel) = Context::background().with_cancel();
    let (tx, rx) = std::sync::mpsc::channel();
    let h = pool
        .spawn(&ctx, move |ctx| {
            tx.send(()).unwrap();
            ctx.wait_timeout(common::DEADLINE)
        })
        .unwrap();
    rx.recv().unwrap();
    cancel.cancel();
    assert!(h.join().unwrap());
}
