#!/usr/bin/env bash
# The test command: installs the project with its test dependencies, then runs the suite.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not browser"`).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e ".[test]"
python -m pytest "$@"
