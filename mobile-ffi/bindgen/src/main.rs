//! `cargo run -p zhiban-uniffi-bindgen -- generate --library target/debug/libzhiban_mobile_ffi.so …`: UniFFI's
//! generator, built from the same UniFFI version as the library, as UniFFI requires.

fn main() {
    uniffi::uniffi_bindgen_main()
}
