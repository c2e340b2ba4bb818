use std::rc::Rc;

fn main() {
    let pool = grpool::Pool::new();
    let shared = Rc::new(5);
    let _ = grpool::spawn_pooled!(pool, [shared], |_| *shared);
}
