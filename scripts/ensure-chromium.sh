#!/bin/sh
# The browser tests drive the system's Chromium (never a downloaded one). Install the Debian package
# only when it is missing; nothing happens when /usr/bin/chromium is already there.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium
