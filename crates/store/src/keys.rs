//! Per-key locks in this process: the units of work of one customer run one at a time, those
//! of different customers side by side (SQLite; PostgreSQL locks keys in the database).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

/// A lock per key, created on first use and forgotten when nobody holds or waits for it.
#[derive(Clone, Default)]
pub(crate) struct KeyLocks {
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// Holds the lock of one key until dropped.
pub(crate) struct KeyGuard {
    locks: KeyLocks,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyLocks {
    /// Waits for the lock of `key`.
    pub(crate) async fn lock(&self, key: &str) -> KeyGuard {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone();
        let guard = lock.lock_owned().await;
        KeyGuard {
            locks: self.clone(),
            key: key.to_owned(),
            guard: Some(guard),
        }
    }

    /// How many keys are remembered (held or waited for).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        let mut map = self.locks.locks.lock().unwrap_or_else(|p| p.into_inner());
        drop(self.guard.take());
        // The map's own reference is the last one: nobody holds or waits for this key.
        if map
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeyLocks;

    #[tokio::test]
    async fn one_holder_per_key_and_keys_are_forgotten() {
        let locks = KeyLocks::default();
        let a = locks.lock("a").await;
        let _b = locks.lock("b").await;
        // A second holder of `a` waits (polled once: pending), and gets it once `a` is free.
        let mut second = Box::pin(locks.lock("a"));
        tokio::select! {
            biased;
            _ = &mut second => panic!("two holders of one key"),
            _ = std::future::ready(()) => {}
        }
        drop(a);
        drop(second.await);
        assert_eq!(locks.len(), 1, "only `b` is still held");
        drop(_b);
        assert_eq!(locks.len(), 0);
    }
}
