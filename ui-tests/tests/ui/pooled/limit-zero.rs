#[grpool::pooled(limit = 0)]
fn job() {}

fn main() {
    let _ = job();
}
