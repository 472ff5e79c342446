//! [`Store`]: the one handle behind both front doors. The C `MemcoreStore` and the uniffi
//! `Memory` each wrap one; each maps a [`LockError`] to its own error (C: a status code,
//! uniffi: a `MemcoreError` family).
//!
//! A store holds the open [`memcore::Memory`] and the host's LLM (set through the C ABI)
//! behind one lock, so a handle may be used from many threads; calls take turns. A thread
//! that holds the lock and calls the same handle again (a host callback calling back into the
//! store that is calling it) gets [`LockError::Nested`] instead of a deadlock.

use crate::host::HostLlm;
use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard};

/// What a store guards.
pub(crate) struct StoreState {
    /// The open store.
    pub(crate) memory: memcore::Memory,
    /// The host's LLM, when one was set (C: `memcore_set_llm`).
    pub(crate) llm: Option<HostLlm>,
}

/// An open store, or a closed one (uniffi's `close()`), behind its lock.
pub(crate) struct Store {
    /// The path it was opened with, for messages.
    path: String,
    state: Mutex<Option<StoreState>>,
}

/// Why the lock was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockError {
    /// This thread already holds the lock: a host callback called back into the store that
    /// is calling it.
    Nested,
    /// An earlier call panicked while it held the lock; the store may be inconsistent.
    Poisoned,
    /// The store was closed.
    Closed,
}

thread_local! {
    /// The stores whose lock this thread holds.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// A locked, open store; releases the lock (and its entry in [`HELD`]) when dropped.
pub(crate) struct StoreGuard<'a> {
    guard: MutexGuard<'a, Option<StoreState>>,
    key: usize,
}

impl std::ops::Deref for StoreGuard<'_> {
    type Target = StoreState;
    fn deref(&self) -> &StoreState {
        // `Store::lock` hands out a guard only for an open store.
        self.guard
            .as_ref()
            .unwrap_or_else(|| unreachable!("a guard of a closed store"))
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut StoreState {
        self.guard
            .as_mut()
            .unwrap_or_else(|| unreachable!("a guard of a closed store"))
    }
}

impl Drop for StoreGuard<'_> {
    fn drop(&mut self) {
        let key = self.key;
        let _ = HELD.try_with(|held| held.borrow_mut().retain(|k| *k != key));
    }
}

impl Store {
    /// Opens (creating it if needed) the store at `path`.
    pub(crate) fn open(path: &str, config: memcore::Config) -> memcore::Result<Store> {
        let memory = memcore::Memory::open_with(path, config)?;
        Ok(Store {
            path: path.to_owned(),
            state: Mutex::new(Some(StoreState { memory, llm: None })),
        })
    }

    /// The path the store was opened with.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Takes the lock, waiting for a call on another thread to finish.
    pub(crate) fn lock(&self) -> Result<StoreGuard<'_>, LockError> {
        let key = self as *const Store as usize;
        if HELD.with(|held| held.borrow().contains(&key)) {
            return Err(LockError::Nested);
        }
        let guard = self.state.lock().map_err(|_| LockError::Poisoned)?;
        if guard.is_none() {
            return Err(LockError::Closed);
        }
        HELD.with(|held| held.borrow_mut().push(key));
        Ok(StoreGuard { guard, key })
    }

    /// Closes the store: later calls get [`LockError::Closed`]; closing twice is harmless.
    /// The host's LLM (and its `user_data`) is dropped after the lock is released.
    pub(crate) fn close(&self) {
        // A poisoned lock still holds the store: take it out and drop it all the same.
        let mut guard = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let state = guard.take();
        drop(guard);
        drop(state);
    }

    /// True until [`Store::close`].
    #[cfg(feature = "uniffi")]
    pub(crate) fn is_open(&self) -> bool {
        self.state.lock().map(|g| g.is_some()).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let store = Store::open(path.to_str().unwrap(), memcore::Config::default()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_nested_lock_on_one_thread_is_an_error_not_a_deadlock() {
        let (_dir, store) = open();
        let outer = store.lock().unwrap();
        assert_eq!(store.lock().err(), Some(LockError::Nested));
        drop(outer);
        assert!(store.lock().is_ok());
    }

    #[test]
    fn a_panic_under_the_lock_poisons_the_store() {
        let (_dir, store) = open();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = store.lock().unwrap();
            panic!("while holding the store");
        }));
        assert!(caught.is_err());
        assert_eq!(store.lock().err(), Some(LockError::Poisoned));
        // The thread's entry went with the guard: the store is poisoned, not nested; closing
        // it still works.
        store.close();
        assert_eq!(store.lock().err(), Some(LockError::Poisoned));
    }

    #[test]
    fn a_closed_store_says_so() {
        let (_dir, store) = open();
        store.close();
        store.close();
        assert_eq!(store.lock().err(), Some(LockError::Closed));
    }
}
