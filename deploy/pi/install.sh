#!/usr/bin/env bash
# Install Kindly as a systemd service on a Raspberry Pi (64-bit Raspberry Pi OS, Bookworm or
# later) or any 64-bit Debian machine. Run as root from a checkout of Kindly:
#
#   sudo deploy/pi/install.sh [options]
#
#   --device-id ID        MQTT device id (default: the host name)
#   --mqtt HOST[:PORT]    MQTT broker, e.g. homeassistant.local (default: none, no MQTT)
#   --region REGION       crisis helpline region: us (default), ca, uk, ie, eu
#   --mic NAME            microphone: part of its name or its number (`kindly devices`)
#   --speaker NAME        speaker: part of its name or its number
#   --engine ENGINE       recogniser: auto, vosk or pocketsphinx (default: pocketsphinx on a
#                         Pi 3 or Zero 2, else auto = Vosk when its model is there)
#   --wyoming             answer Home Assistant Assist too (the Wyoming handle service on
#                         port 10700, in the same service; see the README)
#   --no-models           do not download the Vosk model (machines with no internet; CI)
#   --no-render           do not pre-render the practices' speech (CI; `sudo kindly render`)
#   --python PATH         the Python (3.11 or newer) for the venv (default /usr/bin/python3)
#   --root DIR            install under DIR instead of / (tests): every path is prefixed
#                         with DIR, no user is created and systemctl is not called
#
# Idempotent: run it again to upgrade Kindly from this checkout or to repair an install.
# It changes only what differs: Kindly is reinstalled into the venv only when the source
# changed, an existing /etc/kindly/config.yaml is kept (the options above only shape a new
# one), and the service is restarted only when something changed.
#
# What goes where: /opt/kindly (the venv), /etc/kindly/config.yaml, /var/lib/kindly
# (models), /var/cache/kindly (pre-rendered speech), /etc/systemd/system/kindly.service
# (and kindly.service.d/network.conf: the broker's addresses, the only ones it may reach),
# /usr/local/bin/kindly (the command line with the service's settings). Remove it all with
# deploy/pi/uninstall.sh.
set -euo pipefail
umask 022 # the venv must be readable by the service's user, whatever root's umask is

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# What a non-editable install is built from; its hash decides whether pip must run again.
sources=(pyproject.toml README.md skill intents voices)
extras=voice

root="" device_id="" mqtt="" region="" mic="" speaker="" engine=""
models=1 render=1 wyoming=0
python=/usr/bin/python3
[[ -x $python ]] || python=python3

say() { printf 'kindly-install: %s\n' "$*"; }
die() {
  printf 'kindly-install: error: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  exit "${1:-0}"
}
value() { # the value of option $1, or die
  [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"
  printf '%s' "$2"
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --device-id) device_id=$(value "$@"); shift ;;
    --mqtt) mqtt=$(value "$@"); shift ;;
    --region) region=$(value "$@"); shift ;;
    --mic) mic=$(value "$@"); shift ;;
    --speaker) speaker=$(value "$@"); shift ;;
    --engine) engine=$(value "$@"); shift ;;
    --python) python=$(value "$@"); shift ;;
    --root) root=$(value "$@"); shift ;;
    --no-models) models=0 ;;
    --wyoming) wyoming=1 ;;
    --no-render) render=0 ;;
    -h | --help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done

# --- refuse early: before anything is changed ---------------------------------------------

# KINDLY_TEST_* stand in for the real machine in tests of the refusals; nothing else.
machine=${KINDLY_TEST_MACHINE:-$(uname -m)}
long_bit=${KINDLY_TEST_LONG_BIT:-$(getconf LONG_BIT)}
if [[ $long_bit != 64 ]]; then
  die "Kindly needs a 64-bit OS, and this is a ${long_bit}-bit one (on $machine). Piper's \
onnxruntime and Vosk publish no 32-bit ARM builds. Install Raspberry Pi OS (64-bit) - a \
Pi 3, 4, 5 or Zero 2 runs it - and run this again."
fi
case $machine in
  aarch64 | arm64 | x86_64) ;;
  *) die "Kindly runs on 64-bit ARM (aarch64) or x86_64, not $machine: Piper's onnxruntime \
and Vosk publish no builds for it." ;;
esac

python_version() { # prints "3.11", or nothing if $python cannot run
  "$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true
}
check_python() {
  local version major minor
  version=$(python_version)
  [[ $version =~ ^([0-9]+)\.([0-9]+)$ ]] || die "cannot run Python at '$python' (use --python PATH)"
  major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  if ((major < 3 || (major == 3 && minor < 11))); then
    die "Kindly needs Python 3.11 or newer, and $python is $version. Raspberry Pi OS \
Bookworm (Debian 12) or later has it: upgrade the OS, or point --python at a 3.11."
  fi
}
if command -v "$python" >/dev/null; then check_python; fi

if [[ -n $root ]]; then
  [[ $root == /* ]] || root="$PWD/$root"
  root=$(realpath -m "$root")
  [[ $root != / ]] || die "--root / is this system: leave --root out"
elif [[ $(id -u) -ne 0 ]]; then
  die "run this as root: sudo $0"
fi
if [[ -n $device_id && ! $device_id =~ ^[A-Za-z0-9_-]+$ ]]; then
  die "--device-id '$device_id': use letters, digits, - and _ only (it is part of MQTT topics)"
fi
case $engine in "" | auto | vosk | pocketsphinx) ;; *) die "--engine: auto, vosk or pocketsphinx" ;; esac

venv=$root/opt/kindly
etc=$root/etc/kindly
config=$etc/config.yaml
data=$root/var/lib/kindly
cache=$root/var/cache/kindly
unit=$root/etc/systemd/system/kindly.service
cli=$root/usr/local/bin/kindly
changed=0 # something the running service uses changed: restart it

build=""
cleanup() { if [[ -n $build ]]; then rm -rf "$build"; fi; }
trap cleanup EXIT

# --- Debian packages, the user, the folders -------------------------------------------------

bash "$repo/deploy/apt.sh" pi
check_python

if [[ -z $root ]]; then
  if ! getent passwd kindly >/dev/null; then
    say "creating the system user kindly (in the audio group)"
    useradd --system --user-group --home-dir /var/lib/kindly --no-create-home \
      --shell /usr/sbin/nologin --comment "Kindly voice companion" --groups audio kindly
  elif ! id -nG kindly | tr ' ' '\n' | grep -qx audio; then
    usermod --append --groups audio kindly
  fi
  owner=(-o kindly -g kindly)
  config_owner=(-o root -g kindly)
else
  owner=() config_owner=()
fi
install -d -m 0700 "${owner[@]}" "$data" "$cache"
install -d -m 0750 "${config_owner[@]}" "$etc"

# Run a kindly command with the service's settings, as the service's user, from / (so no
# checkout's intents/ is found by accident).
as_service() {
  local env=(KINDLY_CONFIG="$config" KINDLY_DATA="$data" KINDLY_CACHE="$cache")
  if [[ -n $root ]]; then
    (cd / && env -u KINDLY_CONTENT "${env[@]}" "$venv/bin/kindly" "$@")
  else
    (cd / && runuser -u kindly -- env -u KINDLY_CONTENT "${env[@]}" HOME="$data" \
      "$venv/bin/kindly" "$@")
  fi
}

# --- the venv and Kindly in it ------------------------------------------------------------

version=$(python_version)
if [[ -e $venv && $("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true) != "$version" ]]; then
  say "the venv in $venv is broken or for another Python: making it again"
  rm -rf "$venv"
fi
if [[ ! -e $venv ]]; then
  say "making the venv $venv (Python $version)"
  "$python" -m venv "$venv"
fi

stamp_file=$venv/kindly-source.sha256
stamp=$(
  cd "$repo"
  printf 'python %s\nextras %s\n' "$version" "$extras"
  find "${sources[@]}" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum
)
stamp=$(printf '%s\n' "$stamp" | sha256sum | cut -d' ' -f1)
if [[ -f $stamp_file && $(cat "$stamp_file") == "$stamp" ]] && "$venv/bin/kindly" --version >/dev/null 2>&1; then
  say "Kindly in $venv is up to date"
else
  say "installing Kindly into $venv (pip: a few minutes on a Pi)"
  # Built from a copy: pip builds in the source tree, and the checkout stays untouched.
  build=$(mktemp -d)
  (cd "$repo" && tar --exclude=__pycache__ --exclude='*.pyc' -cf - "${sources[@]}") | tar -xf - -C "$build"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    "${build}[${extras}]"
  printf '%s\n' "$stamp" >"$stamp_file"
  changed=1
fi

# --- the config -----------------------------------------------------------------------------

if [[ -f $config ]]; then
  say "keeping $config"
  if [[ -n $device_id$mqtt$region$mic$speaker$engine ]] || ((wyoming)); then
    say "note: the options given shape a new config only; edit $config to change it"
  fi
else
  if [[ -z $engine ]] && tr -d '\0' 2>/dev/null </proc/device-tree/model | grep -Eq 'Raspberry Pi (3|Zero 2)'; then
    engine=pocketsphinx # see "Raspberry Pi" in the README: Vosk is too slow on a Pi 3 core
  fi
  say "writing $config"
  tmp=$(mktemp "$etc/.config.XXXXXX")
  (cd / && "$venv/bin/python" - "$tmp" "$region" "$device_id" "$mqtt" "$mic" "$speaker" "$engine" "$wyoming") <<'PY'
import sys

import yaml

from skill.cli.mqtt import parse_broker

path, region, device_id, broker, mic, speaker, engine, wyoming = sys.argv[1:]
config: dict[str, object] = {"region": region or "us"}
if engine:
    config["hearing"] = {"engine": engine}
audio = {k: v for k, v in (("mic", mic), ("speaker", speaker)) if v}
if audio:
    config["audio"] = audio
mqtt: dict[str, object] = {}
if broker:
    host, port = parse_broker(broker)
    mqtt["host"] = host
    if port is not None:
        mqtt["port"] = port
if device_id:
    mqtt["device_id"] = device_id
if mqtt:
    config["mqtt"] = mqtt
if wyoming == "1":
    config["wyoming"] = {"enabled": True, "port": 10700}
header = (
    "# Kindly's settings, written by deploy/pi/install.sh. Edit freely: installing again\n"
    "# keeps this file. Every key is optional (see Configuration in Kindly's README);\n"
    "# `sudo kindly doctor` checks it.\n"
)
with open(path, "w", encoding="utf-8") as out:
    out.write(header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
PY
  chmod 0640 "$tmp"
  if [[ -z $root ]]; then chown root:kindly "$tmp"; fi
  mv "$tmp" "$config"
  changed=1
fi

# The installed Kindly works from the venv alone: its content is the copy in
# <venv>/share/kindly/intents, and the config (with its helpline region) is valid.
checked=$(as_service check) || die "Kindly's own check failed in $venv (see above)"
[[ $checked == "ok: $venv/share/kindly/intents "* ]] ||
  die "the installed Kindly did not find its content in $venv/share/kindly/intents: $checked"
(cd / && KINDLY_CONFIG="$config" "$venv/bin/python" -c '
import sys
from skill.app.runtime import catalogue_for
from skill.config import load_config
from skill.errors import KindlyError
from skill.nlu.safety import safety_check
try:
    config = load_config()
    safety_check(catalogue_for(config)).response(config.region)
except KindlyError as exc:
    sys.exit(f"kindly-install: error: {exc}")
') || die "fix the region in $config"
say "$checked"

# --- models and speech ------------------------------------------------------------------------

if ((models)); then
  names=$(cd / && KINDLY_CONFIG="$config" "$venv/bin/python" -c '
from skill.config import load_config
config = load_config()
print(config.hearing.model, config.voice.name)')
  read -r model voice <<<"$names"
  say "fetching the recogniser model $model and the voice $voice (checked against their sha256)"
  as_service models fetch "$model"
  as_service models fetch "$voice"
  as_service doctor --only model,voice || die "the models are not usable (see above)"
else
  say "not fetching models (--no-models): later, \`sudo kindly models fetch NAME\`"
fi
if ((render)); then
  say "training the understanding and pre-rendering every line Kindly says (minutes on a Pi; once)"
  as_service render
else
  say "not pre-rendering speech (--no-render): later, \`sudo kindly render\`"
fi

# --- the network: loopback and the configured broker, nothing else -----------------------

# The unit says IPAddressDeny=any with only loopback allowed; this drop-in adds the broker
# of the config (the addresses its name has now, and the name servers that look it up),
# and with Wyoming the local network (Home Assistant connects in; zeroconf is multicast).
# Run the installer again after changing mqtt.host or wyoming, or when the broker moves.
read -r broker wyoming_on < <(cd / && KINDLY_CONFIG="$config" "$venv/bin/python" -c '
from skill.config import load_config
config = load_config()
print(config.mqtt.host or "-", int(getattr(getattr(config, "wyoming", None), "enabled", False)))')
[[ $broker != - ]] || broker=""
allow=()
if [[ $wyoming_on == 1 ]]; then # Home Assistant connects from the local network; mDNS
  allow+=(link-local 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7 multicast)
fi
if [[ -n $broker ]]; then
  mapfile -t found < <(getent ahosts "$broker" 2>/dev/null | awk '{print $1}' | sort -u)
  allow+=("${found[@]}")
  if [[ ${#found[@]} -eq 0 ]]; then
    say "warning: cannot look up the broker $broker now: Kindly may not reach it until you run this again"
  elif [[ ! $broker =~ ^[0-9.]+$ && ! $broker =~ : ]]; then
    mapfile -t servers < <(awk '$1 == "nameserver" {print $2}' /etc/resolv.conf 2>/dev/null | sort -u)
    allow+=("${servers[@]}")
  fi
fi
network_conf=$(
  printf '# Written by deploy/pi/install.sh from /etc/kindly/config.yaml (mqtt.host: %s,\n' "${broker:-none}"
  printf '# wyoming: %s).\n' "$([[ $wyoming_on == 1 ]] && echo on || echo off)"
  printf '# Besides loopback, the only addresses Kindly may reach. Run the installer again\n'
  printf '# after changing the broker.\n[Service]\n'
  for address in "${allow[@]}"; do printf 'IPAddressAllow=%s\n' "$address"; done
)
network=$unit.d/network.conf
if [[ ! -f $network || $(cat "$network") != "$network_conf" ]]; then
  install -d -m 0755 "$unit.d"
  printf '%s\n' "$network_conf" >"$network"
  chmod 0644 "$network"
  say "network: loopback${allow[*]:+ and ${allow[*]}} only ($network)"
  unit_network_changed=1
else
  unit_network_changed=0
fi

# --- the command line and the service -----------------------------------------------------

if [[ -e $cli ]] && ! grep -q '^# kindly-cli: installed by deploy/pi/install.sh' "$cli"; then
  say "warning: $cli is not Kindly's: leaving it; use $venv/bin/kindly"
elif ! cmp -s "$here/kindly-cli.sh" "$cli"; then
  install -D -m 0755 "$here/kindly-cli.sh" "$cli"
fi

unit_changed=$unit_network_changed
if ((unit_changed)); then changed=1; fi
if ! cmp -s "$here/kindly.service" "$unit"; then
  install -D -m 0644 "$here/kindly.service" "$unit"
  unit_changed=1 changed=1
fi

if [[ -n $root ]]; then
  say "installed under $root (no user, no systemctl)"
elif [[ ! -d /run/systemd/system ]]; then
  say "systemd is not running here: start Kindly later with \`systemctl enable --now kindly\`"
else
  if ((unit_changed)); then systemctl daemon-reload; fi
  systemctl enable --quiet kindly.service
  if ((changed)); then action=restart; else action=start; fi
  if ! systemctl "$action" kindly.service; then
    die "Kindly's service did not start: see \`journalctl -u kindly -e\` and run \`sudo kindly doctor\`"
  fi
  say "Kindly is running: \`systemctl status kindly\`, \`sudo kindly doctor\`"
fi
