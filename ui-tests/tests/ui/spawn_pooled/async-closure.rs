fn main() {
    let pool = grpool::Pool::new();
    let _ = grpool::spawn_pooled!(pool, async |_| 1);
}
