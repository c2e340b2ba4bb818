//! The Go document's `AddWithRecover` example: one job panics after appending twice, and its
//! recover function appends once more; a second job panics with nothing to recover. Prints the
//! array's length, 3, and the panic message the recover function received.

use grpool::{Context, Pool};
use std::sync::{Arc, Mutex};

fn main() -> Result<(), grpool::Error> {
    let pool = Pool::new();
    let ctx = Context::background();
    let array = Arc::new(Mutex::new(Vec::new()));

    let (a, b) = (array.clone(), array.clone());
    pool.add_with_recover(
        &ctx,
        move |_| {
            a.lock().unwrap().extend([1, 2]);
            panic!("1");
        },
        move |panic| {
            println!("recovered: {panic}");
            b.lock().unwrap().push(1);
        },
    )?;
    // With nothing to do on a panic, ignore it; the worker carries on either way.
    pool.add_with_recover(&ctx, |_| panic!("ignored"), |_| {})?;

    pool.join();
    println!("{}", array.lock().unwrap().len());
    let stats = pool.stats();
    println!(
        "panicked jobs: {}, workers alive: {}",
        stats.panicked,
        pool.size()
    );
    Ok(())
}
