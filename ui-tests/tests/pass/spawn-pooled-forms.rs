use grpool::{spawn_pooled, Context, Pool};
use std::sync::Arc;

fn main() {
    let pool = Pool::new();
    let ctx = Context::background();
    let counter = Arc::new(0u32);
    let _ = spawn_pooled!(pool, |ctx| ctx.is_cancelled());
    let _ = spawn_pooled!(pool, move |_| 1);
    let _ = spawn_pooled!(pool, &ctx, |ctx| ctx.is_cancelled());
    let _ = spawn_pooled!(pool, [counter], |_| *counter);
    let _ = spawn_pooled!(pool, &ctx, [counter], |_: &Context| *counter);
    let _ = spawn_pooled!(|_| ());
    let _ = spawn_pooled!(&pool, || ());
    let _ = spawn_pooled!(grpool::default_pool(), &ctx, |_| ());
    let _ = spawn_pooled!(Pool::with_limit(1), |_| ());
    for i in 0..10 {
        let _ = spawn_pooled!(pool, |_| println!("{i}"));
    }
    // The pool and the listed variables are still usable.
    pool.join();
    drop(counter);
}
