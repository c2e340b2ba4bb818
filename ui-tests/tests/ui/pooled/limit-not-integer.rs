#[grpool::pooled(limit = "100")]
fn job() {}

fn main() {
    let _ = job();
}
