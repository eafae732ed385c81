#!/usr/bin/env bash
# Debian packages Kindly needs. `runtime` for running it, `test` adds the real parts the
# system tests start (a Mosquitto broker, PulseAudio virtual devices), `pi` adds what the
# Raspberry Pi service needs (alsa-utils: `alsamixer`, which `kindly doctor` points to for
# microphone levels). Idempotent: installs only what is missing, and does nothing when not
# root (it then prints what to install).
set -euo pipefail

runtime=(python3 python3-venv python3-dev gcc libportaudio2 portaudio19-dev libspeexdsp1)
pi=(alsa-utils)
# (the deploy tests run the Pi installer: its packages too, so that it installs nothing)
test=(mosquitto openssl pulseaudio pulseaudio-utils sox espeak-ng shellcheck strace stress-ng systemd "${pi[@]}")

want=("${runtime[@]}")
if [[ "${1:-runtime}" == "test" ]]; then want+=("${test[@]}"); fi
if [[ "${1:-runtime}" == "pi" ]]; then want+=("${pi[@]}"); fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "kindly: please install these Debian packages first: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
