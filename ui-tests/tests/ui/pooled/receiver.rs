struct Collector;

impl Collector {
    #[grpool::pooled]
    fn by_value(self) {}

    #[grpool::pooled]
    fn by_ref(&self) {}

    #[grpool::pooled]
    fn by_mut(&mut self) {}
}

fn main() {}
