struct Config {
    name: String,
}

fn main() {
    let pool = grpool::Pool::new();
    let config = Config { name: String::new() };
    let _ = grpool::spawn_pooled!(pool, [config.name], |_| ());
}
