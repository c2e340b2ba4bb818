//! The Go document's second example, the loop-variable mistake. In Go the jobs read `i` after
//! the loop has moved on and print `10` ten times. Rust refuses that code (a job must own what
//! it uses), and `spawn_pooled!` makes owning the short way to write it. Prints 0 to 9, in
//! some order.

use grpool::{spawn_pooled, Pool};
use std::sync::{Arc, Mutex};

fn main() -> Result<(), grpool::Error> {
    // In Go:
    //
    //     for i := 0; i < 10; i++ {
    //         grpool.Add(ctx, func(ctx context.Context) { fmt.Println(i) })   // prints 10 ten times
    //     }
    //
    // In Rust the same code does not compile:
    //
    //     for i in 0..10 {
    //         pool.add(&ctx, |_| println!("{i}"))?;
    //     }
    //     // error[E0373]: closure may outlive the current function, but it borrows `i`
    //     // help: to force the closure to take ownership of `i`, use the `move` keyword
    //
    // `spawn_pooled!` always moves: each job gets its own `i`.
    let pool = Pool::with_limit(4);
    let printed = Arc::new(Mutex::new(Vec::new()));
    for i in 0..10 {
        // `[printed]`: clone the Arc for the job and keep ours.
        drop(spawn_pooled!(pool, [printed], |_| {
            println!("{i}");
            printed.lock().unwrap().push(i);
        })?);
    }
    pool.join();
    let mut printed = printed.lock().unwrap().clone();
    printed.sort_unstable();
    assert_eq!(printed, (0..10).collect::<Vec<_>>());
    println!("every job saw its own i: {printed:?}");
    Ok(())
}
