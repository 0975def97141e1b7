#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, build, run the ETL of the bundled data, make
# the Henry-shaped ratings, train the model, and serve the API (/docs) and the UI (/ui) on
# http://127.0.0.1:8000. Artifacts are kept, so the next start is fast.
set -euo pipefail
STREAMREC_SKIP_BROWSER=1 . "$(dirname "$0")/env.sh"
cd "$STREAMREC_ROOT"
build_extension
streamrec etl
exec streamrec serve "$@"
