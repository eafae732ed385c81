"""Models and voices: the registry, what is installed, and fetching with a sha256 check.

The registry is two files: `voices/models.yaml` (speech recognition models) and
`voices/voices.yaml` (Piper voices, parsed by skill.models.voices). Fetching is generic: an entry
is a list of files, each with a URL and a pinned sha256; a recogniser model is one .zip
that is unpacked. Everything is downloaded and unpacked in a staging folder beside the
target and renamed into place only once verified, so a failed or tampered download leaves
nothing behind. Nothing here runs at import or at run time: only `kindly models fetch`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.errors import ContentError, ModelError
from skill.paths import data_dir
from skill.yamldoc import YamlDoc

MARKER = ".kindly-model.json"
PINS = "pins.json"
FETCH_TIMEOUT = 60.0
_CHUNK = 1 << 16
RECOGNISERS = ("vosk",)

Progress = Callable[[str, int, int | None], None]
Opener = Callable[[str], Any]


@dataclass(frozen=True)
class Artifact:
    """One file to download."""

    url: str
    sha256: str | None

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ModelEntry:
    """A recogniser model or a voice, as the registry describes it."""

    name: str
    kind: str  # "vosk" or "voice"
    language: str
    artifacts: tuple[Artifact, ...]
    unpack: bool  # one .zip to unpack (models); voices keep their files as they are
    description: str = ""
    trust_on_first_fetch: bool = False
    embedded: str | None = None  # a Python package that ships it

    @property
    def folder(self) -> str:
        return "voices" if self.kind == "voice" else "models"


@dataclass(frozen=True)
class Installed:
    entry: ModelEntry
    path: Path
    sha256: dict[str, str]
    verified: str  # "pinned" or "first fetch (not pinned in the registry)"


def registry_dir() -> Path:
    """`voices/` in the repository, or the installed copy."""
    repo = Path(__file__).resolve().parents[2] / "voices"
    return repo if repo.is_dir() else Path(sys.prefix) / "share" / "kindly" / "voices"


def load_models(path: Path | None = None) -> dict[str, ModelEntry]:
    """The recogniser models of `models.yaml`; errors name the file, key and line."""
    path = path or registry_dir() / "models.yaml"
    if not path.exists():
        raise ModelError(f"{path}: model registry not found")
    try:
        doc = YamlDoc(path, str(path))
    except ContentError as exc:
        raise ModelError(str(exc)) from None
    data = doc.data or {}
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict):
        raise ModelError(str(doc.error("must map model names to their details", "models")))
    return {str(name): _model(doc, str(name), raw) for name, raw in models.items()}


def _model(doc: YamlDoc, name: str, raw: Any) -> ModelEntry:
    where = ("models", name)
    if not isinstance(raw, dict):
        raise ModelError(str(doc.error("must be a mapping", *where)))
    for key in ("engine", "language", "url"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ModelError(str(doc.error(f"missing required field '{key}'", *where)))
    if raw["engine"] not in RECOGNISERS:
        raise ModelError(str(doc.error(f"engine must be one of {RECOGNISERS}", *where, "engine")))
    sha = raw.get("sha256")
    if sha is not None and (not isinstance(sha, str) or len(sha) != 64):
        raise ModelError(str(doc.error("sha256 must be 64 hex digits or null", *where, "sha256")))
    return ModelEntry(
        name=name,
        kind=raw["engine"],
        language=raw["language"],
        artifacts=(Artifact(raw["url"], sha.lower() if sha else None),),
        unpack=True,
        description=str(raw.get("description") or ""),
        trust_on_first_fetch=raw.get("trust_on_first_fetch") is True,
    )


def load_registry(models: Path | None = None, voices: Path | None = None) -> dict[str, ModelEntry]:
    """Every model and voice Kindly can fetch, by name."""
    from skill.models import voices as voice_registry

    entries = load_models(models)
    for name, voice in voice_registry.load_registry(voices).items():
        entries[name] = ModelEntry(
            name=name,
            kind="voice",
            language=voice.language,
            artifacts=tuple(Artifact(f.url, f.sha256) for f in voice.files),
            unpack=False,
            description=f"Piper voice ({voice.quality}; {voice.licence})",
            embedded=voice.embedded,
        )
    return entries


def install_path(entry: ModelEntry, root: Path | None = None) -> Path:
    return (root or data_dir()) / entry.folder / entry.name


def installed(entry: ModelEntry, root: Path | None = None) -> Installed | None:
    """The entry as installed by `kindly models fetch`, or None."""
    path = install_path(entry, root)
    marker = path / MARKER
    if not marker.exists():
        return None
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
        return Installed(entry, path, dict(meta["sha256"]), str(meta["verified"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def find_model(name_or_path: str, root: Path | None = None) -> Path:
    """A Vosk model folder: a path, or the name of an installed registry model."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        return candidate
    entry = load_models().get(name_or_path)
    if entry is not None:
        found = installed(entry, root)
        if found is not None:
            return found.path
    raise ModelError(
        f"Vosk model '{name_or_path}' is not installed: run `kindly models fetch {name_or_path}`"
        if entry is not None
        else f"Vosk model '{name_or_path}' is neither a model folder nor a known model name"
    )


# --- fetching ----------------------------------------------------------------------------


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
    path = _pins_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{PINS}.tmp")
    tmp.write_text(json.dumps(pins, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


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
            digest = _download(artifact.url, downloads / artifact.name, opener, progress)
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
        verified = "pinned" if pinned else "first fetch (not pinned in the registry)"
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


def _download(url: str, dest: Path, opener: Opener, progress: Progress | None) -> str:
    digest = hashlib.sha256()
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
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(dest.name, done, total)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise ModelError(f"cannot fetch {url}: {exc}") from None
    return digest.hexdigest()


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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_installed(entry: ModelEntry, root: Path | None = None) -> tuple[str, str]:
    """(status, where) of an entry for `kindly models list`."""
    found = installed(entry, root)
    if found is not None:
        status = "installed" if found.verified == "pinned" else "installed (sha256 not pinned)"
        return status, str(found.path)
    if entry.kind == "voice":
        from skill.models import voices

        paths = voices.installed_paths(entry.name)
        if paths is not None:
            return "installed", str(paths.model.parent)
        if entry.embedded:
            try:
                return "embedded", str(voices.find_voice(entry.name).model.parent)
            except ModelError:
                pass
    return "not installed", f"kindly models fetch {entry.name}"


def is_installed(entry: ModelEntry, root: Path | None = None) -> bool:
    return describe_installed(entry, root)[0] != "not installed"


def remove(entry: ModelEntry, root: Path | None = None) -> None:
    """Delete an installed entry (tests, and a person freeing space)."""
    path = install_path(entry, root)
    if path.exists():
        trash = path.with_name(f".{path.name}.removing")
        os.replace(path, trash)
        shutil.rmtree(trash, ignore_errors=True)
