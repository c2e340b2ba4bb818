//! `build_default` configures the default pool before its first use (its own test binary, so
//! nothing else touches the default pool first).

#![cfg(not(grpool_loom))]

mod common;

#[test]
fn smoke() {
    grpool::Pool::builder()
        .limit(3)
        .thread_name("configured")
        .build_default()
        .unwrap();
    assert_eq!(grpool::default_pool().cap(), Some(3));
    assert!(common::default_pool_thread_name().starts_with("configured-"));
    assert!(grpool::Pool::builder().build_default().is_err());
}
