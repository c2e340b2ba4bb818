// The stub keeps the expanded signature: the caller's `?` and `.join()` raise no errors.
#[grpool::pooled(limit = 0)]
fn job(x: u32) -> u32 {
    x
}

fn caller() -> Result<u32, Box<dyn std::error::Error>> {
    let handle: grpool::JobHandle<u32> = job(1)?;
    Ok(handle.join()?)
}

fn main() {
    let _ = caller();
}
