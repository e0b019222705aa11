#!/usr/bin/env bash
# Builds the benchmark corpus in $WORK/corpus: six 2560x1600 JPEG photos from Debian's
# plasma-workspace-wallpapers (downloaded with apt-get, extracted, never installed) and one
# 8000x8000 JPEG made from one of them. Idempotent.
set -euo pipefail
WORK=${WORK:-$(dirname "$0")/.work}
mkdir -p "$WORK/pkg" "$WORK/corpus"
cd "$WORK"
if [ ! -f corpus/big-8000.jpg ]; then
    if ! command -v vips >/dev/null; then # the 8000x8000 variant is made with libvips' command
        sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_=sudo
        $sudo_ apt-get install -y -qq libvips-tools >/dev/null
    fi
    if ! ls pkg/plasma-workspace-wallpapers_*.deb >/dev/null 2>&1; then
        (cd pkg && apt-get download plasma-workspace-wallpapers >/dev/null)
    fi
    [ -d pkg/x ] || dpkg -x pkg/plasma-workspace-wallpapers_*.deb pkg/x
    for name in Autumn Path ColdRipple FallenLeaf EveningGlow ColorfulCups; do
        cp "pkg/x/usr/share/wallpapers/$name/contents/images/2560x1600.jpg" "corpus/$name.jpg"
    done
    vips resize corpus/Path.jpg corpus/big.v 3.125 --vscale 5 2>/dev/null
    vips copy corpus/big.v "corpus/big-8000.jpg[Q=90]" 2>/dev/null
    rm -f corpus/big.v
fi
ls "$WORK/corpus"
