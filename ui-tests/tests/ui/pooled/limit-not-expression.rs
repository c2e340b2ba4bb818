#[grpool::pooled(limit = fn)]
fn job() {}

fn main() {
    let _ = job();
}
