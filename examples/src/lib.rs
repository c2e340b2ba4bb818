//! Examples for grpool live in `examples/`; this library is empty.
