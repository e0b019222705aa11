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
)
packages+=("$@") # extra packages a target needs (make cluster: nginx-light)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
