#[grpool::pooled]
fn collect(target: &str) -> usize {
    target.len()
}

fn main() {
    let _ = collect("x");
}
