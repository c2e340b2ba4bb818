#[grpool::pooled(limit = 4, queue = 0)]
fn job() {}

fn main() {
    let _ = job();
}
