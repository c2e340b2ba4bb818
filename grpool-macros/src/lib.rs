//! Procedural macros for [`grpool`](https://docs.rs/grpool): `#[pooled]` runs a function's body
//! on a pool, and `spawn_pooled!` spawns a closure that captures by value. Use them through
//! `grpool`, which re-exports both.
//!
//! The crate is split by stage: `args` and `parse` read the input (keeping spans), `valid`
//! checks it, `expand` generates code. On a mistake, the macros still expand the function's
//! new signature, so callers see one error, not a cascade.

mod args;
mod errors;
mod expand;
mod parse;
mod valid;

use errors::Errors;
use proc_macro::TokenStream;

/// Runs the function's body on a pool: the call returns at once with a
/// `Result<JobHandle<R>, grpool::Error>`, where `R` is the written return type.
///
/// ```
/// use grpool::{pooled, JobHandle};
///
/// #[pooled(limit = 4)]
/// fn checksum(data: Vec<u8>) -> u32 {
///     data.iter().map(|&b| u32::from(b)).sum()
/// }
///
/// let handle: JobHandle<u32> = checksum(vec![1, 2, 3]).unwrap(); // returns at once
/// assert_eq!(handle.join().unwrap(), 6);
/// ```
///
/// Arguments are moved into the job. They must own their data (a borrowed argument is a compile
/// error that says to take it by value), and be `Send + 'static`. Visibility, doc comments,
/// other attributes, generics and `where` clauses are kept; argument patterns like `mut x` and
/// `(a, b): (u32, u32)` work; so do associated functions without a receiver. The macro adds no
/// bounds to generic parameters.
///
/// # Context
///
/// If the first parameter is written `&Context` (or `&grpool::Context`), the caller passes a
/// context and the body runs under it: it sees the context's values and cancellation, and does
/// not run if the context is cancelled before a worker takes it. Otherwise the body runs under
/// `Context::background()`.
///
/// ```
/// use grpool::{pooled, Context};
///
/// #[pooled]
/// fn greet(ctx: &Context, name: String) -> String {
///     let greeting = ctx.value::<&str>().copied().unwrap_or("hello");
///     format!("{greeting}, {name}")
/// }
///
/// let ctx = Context::background().with_value("bonjour");
/// assert_eq!(greet(&ctx, "Ada".into()).unwrap().join().unwrap(), "bonjour, Ada");
/// ```
///
/// # `#[pooled]`
///
/// With no arguments the body runs on the [default pool](../grpool/fn.default_pool.html).
///
/// # `limit = N`
///
/// The body runs on a pool private to this function with at most `N` workers, created on the
/// first call and shared by every later call (and every generic instantiation). `N` is an
/// integer literal or a constant expression of type `usize`. `limit = 0` is a compile error; a
/// constant that evaluates to zero panics at the first call.
///
/// # `queue = N`
///
/// Bounds the private pool's queue to `N` waiting jobs (with or without `limit`): calls block
/// while it is full. `queue = 0` is a compile error.
///
/// # `pool = EXPR`
///
/// The body runs on the pool `EXPR` names, evaluated at each call: a `&Pool` or a `Pool`. It
/// cannot be combined with `limit` or `queue`, which belong where that pool is built.
///
/// ```
/// use grpool::{pooled, Pool};
/// use std::sync::LazyLock;
///
/// static IO: LazyLock<Pool> = LazyLock::new(|| Pool::with_limit(16));
///
/// #[pooled(pool = &*IO)]
/// fn fetch(id: u64) -> u64 {
///     id * 2
/// }
///
/// assert_eq!(fetch(21).unwrap().join().unwrap(), 42);
/// ```
///
/// # `crate = "path"`
///
/// Where `grpool` is found, when the dependency was renamed (`crate = "my_grpool"`).
///
/// # Without the macro
///
/// `#[pooled(limit = 4)] fn checksum(data: Vec<u8>) -> u32 { .. }` is equivalent to:
///
/// ```
/// use grpool::{Context, Error, JobHandle, Pool};
/// use std::sync::OnceLock;
///
/// fn checksum(data: Vec<u8>) -> Result<JobHandle<u32>, Error> {
///     static POOL: OnceLock<Pool> = OnceLock::new();
///     let pool = POOL.get_or_init(|| Pool::builder().limit(4).thread_name("checksum").build().unwrap());
///     pool.spawn(&Context::background(), move |_| -> u32 {
///         data.iter().map(|&b| u32::from(b)).sum()
///     })
/// }
/// # assert_eq!(checksum(vec![1, 2, 3]).unwrap().join().unwrap(), 6);
/// ```
#[proc_macro_attribute]
pub fn pooled(args: TokenStream, item: TokenStream) -> TokenStream {
    pooled_impl(args.into(), item.into()).into()
}

fn pooled_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let item: syn::ItemFn = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => return e.into_compile_error(),
    };
    let mut errors = Errors::default();
    let mut parsed = args::PooledArgs::default();
    if let Err(e) =
        syn::parse::Parser::parse2(syn::meta::parser(|meta| parsed.parse_one(meta)), args)
    {
        errors.push(e);
    }
    let takes_context = valid::first_is_context(&item, parsed.krate.as_ref().map(|k| &k.value));
    valid::check_args(&parsed, &mut errors);
    valid::check_fn(&item, takes_context, &mut errors);
    match errors.finish() {
        Some(errors) => expand::pooled_stub(&parsed, &item, takes_context, errors),
        None => expand::pooled(&parsed, &item, takes_context),
    }
}

/// Spawns a closure on a pool; every variable it uses is captured by value, so the Go
/// loop-variable mistake cannot happen.
///
/// ```
/// use grpool::{spawn_pooled, Pool};
///
/// let pool = Pool::with_limit(4);
/// let handles: Vec<_> = (0..10)
///     .map(|i| spawn_pooled!(pool, |_| i * 10).unwrap())
///     .collect();
/// let got: Vec<i32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
/// assert_eq!(got, (0..10).map(|i| i * 10).collect::<Vec<_>>());
/// ```
///
/// # Forms
///
/// ```text
/// spawn_pooled!(pool, |ctx| body)                // the closure is made `move` either way
/// spawn_pooled!(pool, move |ctx| body)
/// spawn_pooled!(pool, &ctx, |ctx| body)          // explicit context
/// spawn_pooled!(pool, [wg, counter], |ctx| body) // each listed variable is cloned, the clone moved in
/// spawn_pooled!(pool, &ctx, [wg], |ctx| body)
/// spawn_pooled!(|ctx| body)                      // the default pool
/// ```
///
/// `pool` is a `&Pool` or a `Pool`; it is borrowed, never moved. The value is
/// `Result<JobHandle<T>, grpool::Error>`, `T` being the closure's result. The closure may be
/// written `|ctx|`, `|_|`, `|ctx: &Context|` or `||`. Without a context the job runs under
/// `Context::background()`; to give the default pool a context, name it:
/// `spawn_pooled!(grpool::default_pool(), &ctx, |ctx| ..)`.
///
/// The capture list is for shared handles that the caller keeps using:
///
/// ```
/// use grpool::{spawn_pooled, Pool};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let pool = Pool::new();
/// let counter = Arc::new(AtomicUsize::new(0));
/// for _ in 0..10 {
///     spawn_pooled!(pool, [counter], |_| counter.fetch_add(1, Ordering::Relaxed)).unwrap();
/// }
/// pool.join();
/// assert_eq!(counter.load(Ordering::Relaxed), 10); // still ours: only clones were moved
/// ```
///
/// # Without the macro
///
/// `spawn_pooled!(pool, [counter], |_| counter.fetch_add(1, Relaxed))` is equivalent to:
///
/// ```
/// # use grpool::{Context, Pool};
/// # use std::sync::{Arc, atomic::{AtomicUsize, Ordering::Relaxed}};
/// # let pool = Pool::new();
/// # let counter = Arc::new(AtomicUsize::new(0));
/// let handle = {
///     let counter = counter.clone();
///     pool.spawn(&Context::background(), move |_| counter.fetch_add(1, Relaxed))
/// };
/// # handle.unwrap().join().unwrap();
/// ```
#[proc_macro]
pub fn spawn_pooled(input: TokenStream) -> TokenStream {
    spawn_pooled_impl(input.into()).into()
}

fn spawn_pooled_impl(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let raw: parse::RawArgs = match syn::parse2(input) {
        Ok(raw) => raw,
        Err(e) => return e.into_compile_error(),
    };
    let mut errors = Errors::default();
    let input = raw.classify(&mut errors);
    if let Some(input) = &input {
        parse::check_closure(&input.closure, &mut errors);
    }
    match (errors.finish(), input) {
        (None, Some(input)) => expand::spawn_pooled(input),
        (Some(errors), _) => errors,
        (None, None) => proc_macro2::TokenStream::new(),
    }
}
