//! The uniffi binding generator, built from the same uniffi version as `memcore-ffi` (the
//! generated bindings check that version when they load the library).
//!
//! maturin finds it as the workspace's `uniffi-bindgen` binary and runs it from the workspace
//! root (`cargo run --bin uniffi-bindgen`; it is a default member for that) when it builds the
//! Python wheel. `scripts/check-swift.sh` runs it the same way to regenerate the Swift
//! sources:
//!
//! ```sh
//! cargo run --bin uniffi-bindgen -- generate --language swift --out-dir /tmp/swift \
//!     target/debug/libmemcore.so
//! ```

fn main() {
    uniffi::uniffi_bindgen_main()
}
