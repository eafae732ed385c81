"""`kindly models fetch`: download a registry entry, check its sha256, install it whole.

Everything is downloaded and unpacked in a staging folder beside the target and renamed
into place only once verified, so a failed or tampered download leaves nothing behind.
Nothing here runs at import or at run time: only `kindly models fetch`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skill.errors import ModelError
from skill.models.registry import MARKER, PINNED, Installed, ModelEntry, install_path, installed
from skill.paths import atomic_write, data_dir

PINS = "pins.json"
FETCH_TIMEOUT = 60.0
UNPINNED = "first fetch (not pinned in the registry)"
_CHUNK = 1 << 16

Progress = Callable[[str, int, int | None], None]
Opener = Callable[[str], Any]


def file_sha256(path: Path) -> str:
    """The sha256 of a file, as hex digits (the registry's pins)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _open(url: str) -> Any:
    return urllib.request.urlopen(url, timeout=FETCH_TIMEOUT)


def _pins_path(root: Path | None) -> Path:
    return (root or data_dir()) / "models" / PINS


def _load_pins(root: Path | None) -> dict[str, dict[str, str]]:
    path = _pins_path(root)
    try:
        pins: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        return pins
    except (OSError, ValueError):
        return {}


def _save_pin(root: Path | None, name: str, hashes: dict[str, str]) -> None:
    pins = _load_pins(root)
    pins[name] = hashes
    atomic_write(_pins_path(root), json.dumps(pins, indent=2) + "\n")


def fetch(
    entry: ModelEntry,
    *,
    root: Path | None = None,
    opener: Opener = _open,
    progress: Progress | None = None,
    force: bool = False,
) -> Installed:
    """Download, verify and install an entry; returns where it is.

    Raises ModelError on a network error, a sha256 mismatch or a broken archive, and then
    nothing of the download is left on disk.
    """
    done = installed(entry, root)
    if done is not None and not force:
        return done
    pins = _load_pins(root).get(entry.name, {})
    unpinned = [a.name for a in entry.artifacts if not a.sha256 and a.name not in pins]
    if unpinned and not entry.trust_on_first_fetch:
        raise ModelError(
            f"{entry.name}: no sha256 pinned for {', '.join(unpinned)} in the registry; "
            "download it on a machine you trust, check it, and add its sha256"
        )
    target = install_path(entry, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=target.parent))
    try:
        hashes: dict[str, str] = {}
        downloads = staging / "download"
        downloads.mkdir()
        for artifact in entry.artifacts:
            dest = downloads / artifact.name
            _download(artifact.url, dest, opener, progress)
            digest = file_sha256(dest)
            want = artifact.sha256 or pins.get(artifact.name)
            if want is not None and digest != want:
                raise ModelError(
                    f"{artifact.name}: sha256 mismatch (got {digest}, expected {want}); "
                    "the download was deleted and nothing was installed"
                )
            hashes[artifact.name] = digest
        content = staging / "content"
        if entry.unpack:
            _unzip(downloads / entry.artifacts[0].name, content)
        else:
            downloads.rename(content)
        pinned = all(a.sha256 for a in entry.artifacts)
        verified = PINNED if pinned else UNPINNED
        marker = {"name": entry.name, "sha256": hashes, "verified": verified}
        (content / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            target.rename(staging / "previous")
        content.rename(target)  # atomic: the model appears whole or not at all
        if not pinned:
            _save_pin(root, entry.name, hashes)
        return Installed(entry, target, hashes, verified)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _download(url: str, dest: Path, opener: Opener, progress: Progress | None) -> None:
    done = 0
    try:
        with opener(url) as response, dest.open("wb") as out:
            length = (
                response.headers.get("Content-Length") if hasattr(response, "headers") else None
            )
            total = int(length) if length and str(length).isdigit() else None
            if progress is not None:
                progress(dest.name, 0, total)
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(dest.name, done, total)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise ModelError(f"cannot fetch {url}: {exc}") from None


def _unzip(archive: Path, dest: Path) -> None:
    """Unpack a .zip holding one model (a single top folder is stripped)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if n and not n.endswith("/")]
            for name in names:
                parts = Path(name).parts
                if name.startswith("/") or ".." in parts or ":" in parts[0]:
                    raise ModelError(f"{archive.name}: unsafe path in archive: {name}")
            tops = {Path(n).parts[0] for n in names}
            strip = len(tops) == 1 and all(len(Path(n).parts) > 1 for n in names)
            dest.mkdir(parents=True)
            for name in names:
                parts = Path(name).parts[1:] if strip else Path(name).parts
                out = dest.joinpath(*parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
    except zipfile.BadZipFile:
        raise ModelError(f"{archive.name}: not a zip archive; nothing was installed") from None
    if not any(dest.iterdir()):
        raise ModelError(f"{archive.name}: the archive is empty; nothing was installed")


def remove(entry: ModelEntry, root: Path | None = None) -> None:
    """Delete an installed entry (tests, and a person freeing space)."""
    path = install_path(entry, root)
    if path.exists():
        trash = path.with_name(f".{path.name}.removing")
        os.replace(path, trash)
        shutil.rmtree(trash, ignore_errors=True)
