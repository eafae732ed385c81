#!/usr/bin/env bash
# Put `kindly` on PATH after `make run`, so the README's commands work as written: a link
# to the venv's kindly in /usr/local/bin (as root) or ~/.local/bin (as a user). Never
# replaces a file that is not such a link (the Pi installer's /usr/local/bin/kindly).
set -euo pipefail

target=$(realpath "$1")
if [[ $(id -u) -eq 0 ]]; then dir=/usr/local/bin; else dir=$HOME/.local/bin; fi
dir=${KINDLY_LINK_DIR:-$dir} # tests
link=$dir/kindly

if [[ -e $link && ! -L $link ]]; then
  echo "kindly: $link is not a link made here; leaving it. Use $target" >&2
  exit 0
fi
if [[ $(readlink "$link" 2>/dev/null || true) != "$target" ]]; then
  mkdir -p "$dir"
  ln -sfn "$target" "$link"
  echo "kindly: $link -> $target"
fi
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "kindly: $dir is not on your PATH: add it, or use $target" >&2 ;;
esac
