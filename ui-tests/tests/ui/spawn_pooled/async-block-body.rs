fn main() {
    let pool = grpool::Pool::new();
    let _ = grpool::spawn_pooled!(pool, |_| async { 1 });
}
