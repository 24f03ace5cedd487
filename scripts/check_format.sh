#!/usr/bin/env bash
# Every C++ file of the repository is formatted as .clang-format says (clang-format 14).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
