//! Compile-fail tests for the grpool macros live in `tests/`; this library is empty.
