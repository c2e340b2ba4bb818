#[grpool::pooled(limit = 10, limit = 20)]
fn job() {}

fn main() {
    let _ = job();
}
