#[grpool::pooled]
async fn fetch(url: String) -> usize {
    url.len()
}

fn main() {
    let _ = fetch(String::new());
}
