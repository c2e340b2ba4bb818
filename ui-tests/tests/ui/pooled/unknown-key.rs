#[grpool::pooled(lmit = 10)]
fn job() {}

fn main() {
    let _ = job();
}
