#!/bin/sh
# Runs a command with IMGPIPE_TEST_SMALL_FS set to a 48 MB tmpfs of its own, mounted in a private
# mount namespace: the mount is invisible outside and vanishes with the command. That needs root
# (or CAP_SYS_ADMIN); where mounting is impossible the command runs without the variable and the
# disk-full test reports itself skipped, saying why.
set -u
dir=$(mktemp -d /tmp/imgpipe-small-fs-XXXXXX)
trap 'rmdir "$dir" 2>/dev/null' EXIT
if unshare --mount --propagation private true 2>/dev/null; then
    unshare --mount --propagation private sh -c \
        'mount -t tmpfs -o size=48m imgpipe-test "$0" && IMGPIPE_TEST_SMALL_FS="$0" exec "$@"' "$dir" "$@"
    exit $?
fi
echo "with-small-fs: cannot make a private mount namespace here; running without a small file system" >&2
"$@"
