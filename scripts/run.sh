#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, build, run the ETL of the bundled data, make
# the Henry-shaped ratings, train the model, and serve the API (/docs) and the UI (/ui) on
# http://127.0.0.1:8000. Artifacts are kept, so the next start is fast. Arguments go to
# `streamrec serve` (`scripts/run.sh --port 8123 --data-dir /tmp/sr`); the ETL writes into the same
# data folder.
#
# The build shares scripts/test.sh's cache: both build through env.sh's build_extension with the
# environment env.sh sets up. STREAMREC_SKIP_BROWSER only skips chromium's install (the browser
# test is test.sh's); no build script reads it, and it does not reach the build (tests/test_scripts.py
# checks that both scripts build with the same command and environment).
set -euo pipefail
STREAMREC_SKIP_BROWSER=1 . "$(dirname "$0")/env.sh"
cd "$STREAMREC_ROOT"
build_extension
# The data folder of `streamrec serve`, so that the ETL writes where the server reads (serve takes
# no abbreviated options, so --data-dir is spelled out when given).
data_dir=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --data-dir) data_dir=(--data-dir "${args[i + 1]:-}") ;;
        --data-dir=*) data_dir=("${args[i]}") ;;
    esac
done
streamrec etl "${data_dir[@]}"
exec streamrec serve "$@"
