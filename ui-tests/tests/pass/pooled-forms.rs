use grpool::{pooled, Context, JobHandle, Pool};
use std::sync::LazyLock;

static POOL: LazyLock<Pool> = LazyLock::new(Pool::new);
const N: usize = 4;

/// Docs are kept.
#[pooled]
pub fn plain() {}

#[pooled(limit = 10)]
fn limited(mut x: u32, (a, b): (u32, u32)) -> u32 {
    x += a + b;
    x
}

#[pooled(limit = N * 2, queue = 100)]
fn constant_limit(_: u8) {}

#[pooled(pool = &*POOL)]
fn named_pool(ctx: &Context, data: Vec<u8>) -> usize {
    let _ = ctx.is_cancelled();
    data.len()
}

#[pooled(crate = "grpool")]
fn renamed_crate(x: &'static str) -> &'static str {
    x
}

#[pooled]
fn generic<T>(t: T) -> T
where
    T: Send + 'static,
{
    t
}

#[pooled]
fn boxed_closure(f: Box<dyn Fn(&str) -> usize + Send>) -> usize {
    f("abc")
}

struct S;

impl S {
    #[pooled(limit = 1)]
    pub fn associated(x: u32) -> Self {
        let _ = x;
        S
    }
}

fn main() {
    let _: Result<JobHandle<()>, grpool::Error> = plain();
    let _ = limited(1, (2, 3));
    let _ = constant_limit(0);
    let _ = named_pool(&Context::background(), vec![]);
    let _ = renamed_crate("x");
    let _ = generic(1u8);
    let _ = boxed_closure(Box::new(|s: &str| s.len()));
    let _ = S::associated(1);
}
