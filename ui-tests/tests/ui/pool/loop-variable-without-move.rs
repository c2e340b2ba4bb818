// The Go document's loop-variable mistake, written with the plain API: Rust refuses it, since
// the job could run after `i` is gone. `move` (or `spawn_pooled!`) is the fix.
use grpool::{Context, Pool};

fn main() {
    let pool = Pool::new();
    for i in 0..10 {
        pool.add(&Context::background(), |_| println!("{i}")).unwrap();
    }
    pool.join();
}
