#!/usr/bin/env bash
# Remove what deploy/pi/install.sh installed. Run as root:
#
#   sudo deploy/pi/uninstall.sh [--purge] [--root DIR]
#
# Stops and removes the service, the venv (/opt/kindly), the models (/var/lib/kindly), the
# pre-rendered speech (/var/cache/kindly) and /usr/local/bin/kindly. Keeps your settings,
# /etc/kindly/config.yaml, and the system user kindly it belongs to, for a later install.
#
#   --purge      remove the settings and the user too: nothing of Kindly is left
#   --root DIR   uninstall from under DIR (tests; no systemctl, no user is removed)
#
# Safe to run again, or when Kindly is only partly installed.
set -euo pipefail

root="" purge=0

say() { printf 'kindly-uninstall: %s\n' "$*"; }
die() {
  printf 'kindly-uninstall: error: %s\n' "$*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --purge) purge=1 ;;
    --root)
      [[ $# -ge 2 && -n $2 ]] || die "--root needs a folder"
      root=$2
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done

if [[ -n $root ]]; then
  [[ $root == /* ]] || root="$PWD/$root"
  root=$(realpath -m "$root")
  [[ $root != / ]] || die "--root / is this system: leave --root out"
elif [[ $(id -u) -ne 0 ]]; then
  die "run this as root: sudo $0"
fi

unit=$root/etc/systemd/system/kindly.service
cli=$root/usr/local/bin/kindly

if [[ -z $root && -d /run/systemd/system ]]; then
  if [[ -e $unit ]] || systemctl cat kindly.service >/dev/null 2>&1; then
    say "stopping and disabling the service"
    systemctl disable --now --quiet kindly.service || true
  fi
fi
if [[ -e $unit || -d $unit.d ]]; then
  rm -rf "$unit" "$unit.d"
  if [[ -z $root && -d /run/systemd/system ]]; then
    systemctl daemon-reload
    systemctl reset-failed kindly.service 2>/dev/null || true
  fi
fi

if [[ -e $cli ]]; then
  if grep -q '^# kindly-cli: installed by deploy/pi/install.sh' "$cli"; then
    rm -f "$cli"
  else
    say "leaving $cli: it is not Kindly's"
  fi
fi

for dir in "$root/opt/kindly" "$root/var/lib/kindly" "$root/var/cache/kindly"; do
  if [[ -e $dir ]]; then
    say "removing $dir"
    rm -rf "$dir"
  fi
done

if ((purge)); then
  if [[ -e $root/etc/kindly ]]; then
    say "removing $root/etc/kindly (--purge)"
    rm -rf "$root/etc/kindly"
  fi
  if [[ -z $root ]] && getent passwd kindly >/dev/null; then
    say "removing the user kindly (--purge)"
    userdel kindly
    if getent group kindly >/dev/null; then groupdel kindly; fi
  fi
elif [[ -e $root/etc/kindly/config.yaml ]]; then
  say "kept $root/etc/kindly/config.yaml (remove it with --purge)"
fi
say "done"
