use std::rc::Rc;

#[grpool::pooled]
fn count(items: Rc<Vec<u32>>) -> usize {
    items.len()
}

fn main() {
    let _ = count(Rc::new(vec![1]));
}
