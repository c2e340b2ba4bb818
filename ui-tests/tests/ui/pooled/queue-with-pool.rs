#[grpool::pooled(pool = grpool::default_pool(), queue = 10)]
fn job() {}

fn main() {
    let _ = job();
}
