#!/usr/bin/env bash
# Installs the Debian packages imgpipe needs to build, run and test; installs only what is missing,
# so a second run costs one dpkg query.
set -euo pipefail
packages=(
    build-essential cmake pkg-config
    libvips-dev zlib1g-dev libboost-dev libcurl4-openssl-dev libssl-dev
    nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libjemalloc-dev
    libgtest-dev libgmock-dev curl
    clang-14 libclang-rt-14-dev util-linux
    libnats-dev nats-server
    chromium prometheus
    systemd # systemd-analyze verify checks the example unit (tests/cli)
)
# Node.js and npm for the browser and OpenAPI tests: Debian's, unless the machine has its own.
command -v npm > /dev/null || packages+=(nodejs npm)
packages+=("$@") # extra packages a target needs (make cluster: nginx-light)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The test tools from npm (tests/node/package.json: playwright-core drives Debian's chromium; no
# browser is downloaded), at the versions of package-lock.json; again only when missing or changed.
node_dir="$(dirname "$0")/../tests/node"
if [ ! -f "$node_dir/node_modules/.package-lock.json" ] ||
    [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
    echo "installing the npm test tools (tests/node)"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
