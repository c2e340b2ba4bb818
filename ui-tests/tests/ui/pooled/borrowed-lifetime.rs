use std::borrow::Cow;

#[grpool::pooled]
fn collect<'a>(target: Cow<'a, str>) -> usize {
    target.len()
}

fn main() {
    let _ = collect(Cow::Borrowed("x"));
}
