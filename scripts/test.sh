#!/usr/bin/env bash
# The project's test command: every crate's unit, vector, property and
# end-to-end tests. Vector tests read ../shared/vectors next to the
# repository and any folder named by PSR_VECTORS_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"
