//! Integration tests for grpool live in `tests/`; this library is empty.
