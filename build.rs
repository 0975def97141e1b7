//! Links libpython into the Rust unit-test executable, and into nothing else.
//!
//! `scripts/test.sh` compiles the unit tests with the `python` feature and the same pyo3
//! configuration maturin uses for the extension (`PYO3_BUILD_EXTENSION_MODULE`, the same
//! interpreter), so that both builds resolve the same dependency graph and polars compiles once.
//! An extension module must not link libpython, but an executable must: the script names the
//! library directory in `STREAMREC_TEST_LIBPYTHON` (`<dir>:<name>`) only for `cargo test`.

fn main() {
    println!("cargo:rerun-if-env-changed=STREAMREC_TEST_LIBPYTHON");
    if let Ok(value) = std::env::var("STREAMREC_TEST_LIBPYTHON") {
        if let Some((dir, name)) = value.rsplit_once(':') {
            println!("cargo:rustc-link-arg=-L{dir}");
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            println!("cargo:rustc-link-arg=-l{name}");
        }
    }
}
