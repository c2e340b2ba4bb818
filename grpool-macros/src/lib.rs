//! Procedural macros for `grpool`: `#[pooled]` and `spawn_pooled!`.

use proc_macro::TokenStream;

/// Runs a function's body on a pool.
#[proc_macro_attribute]
pub fn pooled(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Spawns a closure on a pool, capturing by value.
#[proc_macro]
pub fn spawn_pooled(input: TokenStream) -> TokenStream {
    input
}
