#!/usr/bin/env bash
# Installs the Debian packages weft builds with; installs only what is missing, so it is safe to rerun.
set -euo pipefail
packages=(meson ninja-build pkg-config g++ libboost-context-dev catch2 nlohmann-json3-dev
          libcli11-dev libbenchmark-dev clang libclang-rt-14-dev clang-format clang-tidy
          libgtest-dev cmake chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
