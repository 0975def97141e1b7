#!/usr/bin/env bash
# The whole test suite: Rust unit tests of the pure core, then the Python tests (public API on the
# real data, notebooks, HTTP API, schemathesis, browser). `.ci/run` calls exactly this.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$STREAMREC_ROOT"

build_extension

echo "== cargo test (the pure Rust core; no Python code runs)"
rust_unit_tests
rust_doc_tests

echo "== pytest"
python -m pytest -q -p no:cacheprovider "$@"
