//! The job queue: a FIFO used only through non-blocking calls.
//!
//! Normally a `crossbeam-channel` (unbounded, or bounded by `queue_capacity`). Workers never block
//! inside the channel: they sleep on the pool's own condition variable (see `worker.rs`), which is
//! what lets loom check the sleep/wake protocol. Under `grpool_loom` a mutex-guarded `VecDeque`
//! with the same interface stands in, since loom cannot see inside crossbeam.

/// Why a push was refused; the job is handed back.
#[derive(Debug)]
pub(crate) struct Full<T>(pub(crate) T);

#[cfg(not(grpool_loom))]
mod imp {
    use super::Full;
    use crossbeam_channel::{Receiver, Sender, TrySendError};

    pub(crate) struct Queue<T> {
        tx: Sender<T>,
        rx: Receiver<T>,
    }

    impl<T> Queue<T> {
        pub(crate) fn new(capacity: Option<usize>) -> Self {
            let (tx, rx) = match capacity {
                Some(n) => crossbeam_channel::bounded(n),
                None => crossbeam_channel::unbounded(),
            };
            Queue { tx, rx }
        }

        pub(crate) fn push(&self, value: T) -> Result<(), Full<T>> {
            self.tx.try_send(value).map_err(|e| match e {
                TrySendError::Full(v) | TrySendError::Disconnected(v) => Full(v),
            })
        }

        pub(crate) fn pop(&self) -> Option<T> {
            self.rx.try_recv().ok()
        }

        pub(crate) fn len(&self) -> usize {
            self.rx.len()
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.rx.is_empty()
        }
    }
}

#[cfg(grpool_loom)]
mod imp {
    use super::Full;
    use crate::sync::{lock, Mutex};
    use std::collections::VecDeque;

    pub(crate) struct Queue<T> {
        items: Mutex<VecDeque<T>>,
        capacity: Option<usize>,
    }

    impl<T> Queue<T> {
        pub(crate) fn new(capacity: Option<usize>) -> Self {
            Queue {
                items: Mutex::new(VecDeque::new()),
                capacity,
            }
        }

        pub(crate) fn push(&self, value: T) -> Result<(), Full<T>> {
            let mut items = lock(&self.items);
            if self.capacity.is_some_and(|c| items.len() >= c) {
                return Err(Full(value));
            }
            items.push_back(value);
            Ok(())
        }

        pub(crate) fn pop(&self) -> Option<T> {
            lock(&self.items).pop_front()
        }

        pub(crate) fn len(&self) -> usize {
            lock(&self.items).len()
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.len() == 0
        }
    }
}

pub(crate) use imp::Queue;
