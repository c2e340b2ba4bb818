fn job(_: &grpool::Context) {}

fn main() {
    let pool = grpool::Pool::new();
    let _ = grpool::spawn_pooled!(pool, job);
}
