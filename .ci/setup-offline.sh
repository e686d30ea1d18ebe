#!/usr/bin/env bash
# What tests/test_offline.py needs: strace, unshare (util-linux) and ip (iproute2), to run
# unspin in a loopback-only network namespace and list every connect(). Run as root; safe to
# run twice.
set -euo pipefail

if ! command -v strace >/dev/null || ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends strace util-linux iproute2
fi
strace -V | head -1
