#[grpool::pooled(pool = grpool::default_pool(), limit = 10)]
fn job() {}

fn main() {
    let _ = job();
}
