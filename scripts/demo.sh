#!/usr/bin/env bash
# demo.sh: the main job. For now: encode a sample batch and decode it back (columnar layer).
set -euo pipefail
tidal=${1:-build/tidal}
"$tidal" version
