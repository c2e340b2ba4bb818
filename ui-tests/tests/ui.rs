//! Compile-fail tests: every mistake the macros catch, with the message a user sees.
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test -p grpool-ui-tests` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/pooled/*.rs");
    t.compile_fail("tests/ui/spawn_pooled/*.rs");
    t.compile_fail("tests/ui/pool/*.rs");
    t.pass("tests/pass/*.rs");
}
