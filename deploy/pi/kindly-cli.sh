#!/usr/bin/env bash
# kindly-cli: installed by deploy/pi/install.sh
# (/usr/local/bin/kindly; the line above tells the installer and uninstall.sh it is Kindly's)
#
# Kindly's command line with the service's settings: its config, its models and its speech
# cache. Run as root (`sudo kindly doctor`, `sudo kindly render`), it runs as the service's
# user, so whatever it writes stays readable by the service.
set -euo pipefail

export KINDLY_CONFIG="${KINDLY_CONFIG:-/etc/kindly/config.yaml}"
export KINDLY_DATA="${KINDLY_DATA:-/var/lib/kindly}"
export KINDLY_CACHE="${KINDLY_CACHE:-/var/cache/kindly}"
kindly=/opt/kindly/bin/kindly

if [[ $(id -u) -eq 0 ]] && getent passwd kindly >/dev/null; then
  exec runuser -u kindly -- "$kindly" "$@"
fi
exec "$kindly" "$@"
