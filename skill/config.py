"""Configuration: one YAML file read into frozen dataclasses; flags override it."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from skill.errors import ConfigError, ContentError
from skill.paths import user_config_path
from skill.yamldoc import YamlDoc


@dataclass(frozen=True)
class VoiceConfig:
    name: str = "en_US-joe-medium"
    length_scale: float = 1.15  # a calm pace; >1 is slower
    speaker: int | None = None


@dataclass(frozen=True)
class HearingConfig:
    engine: str = "auto"  # auto | vosk | pocketsphinx
    model: str = "vosk-small-en-us"
    # Trailing silence that ends an utterance: short when the words so far already make a
    # whole template sentence, longer (as Home Assistant's 0.7 s) while they do not.
    endpoint_silence: float = 0.35
    # 0.75 s: with Silero VAD, 2 of 60 sentences with a 0.7 s inner pause cut early
    # (benchmarks/voiceloop.py endpoint), 90th-percentile delay 0.88 s
    endpoint_patience: float = 0.75
    request_timeout: float = 8.0
    wake_phrase: str = "hey kindly"
    vad: str = "silero"  # silero | energy: what tells speech from silence at the endpoint
    # hey_kindly (PocketSphinx, the phrase above) or a microWakeWord phrase shipped in
    # pymicro-wakeword: okay_nabu, hey_mycroft, hey_jarvis, alexa
    wake_model: str = "hey_kindly"


@dataclass(frozen=True)
class AudioConfig:
    mic: str | None = None  # device name or index; None = default
    speaker: str | None = None
    echo_cancel: bool = True  # take Kindly's own voice out of the mic (needs libspeexdsp1)
    debug_record: bool = False  # DEBUG ONLY: keeps microphone audio on disk


@dataclass(frozen=True)
class MqttConfig:
    host: str | None = None
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    tls_insecure: bool = False
    device_id: str = field(default_factory=lambda: _default_device_id())  # noqa: PLW0108 (defined below)
    base_topic: str = "kindly"
    discovery_prefix: str = "homeassistant"


@dataclass(frozen=True)
class WyomingConfig:
    """Home Assistant Assist: the Wyoming handle service inside `kindly run`."""

    enabled: bool = False
    host: str = "0.0.0.0"
    port: int = 10700
    zeroconf: bool = True  # advertise on the local network (only while enabled)


@dataclass(frozen=True)
class MemoryConfig:
    """Remembering which practice helped: only ever on the person's yes (ids and dates)."""

    offer: bool = True  # after a practice ends, offer once to remember that it helped


@dataclass(frozen=True)
class Config:
    region: str = "us"
    content: str | None = None
    log_level: str = "info"
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    hearing: HearingConfig = field(default_factory=HearingConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    wyoming: WyomingConfig = field(default_factory=WyomingConfig)
    memory: MemoryConfig = field(default_factory=MemoryConfig)

    def with_overrides(self, **sections: dict[str, Any]) -> Config:
        """A copy with flag values applied (None values are ignored)."""
        top = {k: v for k, v in sections.pop("top", {}).items() if v is not None}
        changed: dict[str, Any] = dict(top)
        for name, values in sections.items():
            values = {k: v for k, v in values.items() if v is not None}
            if values:
                changed[name] = replace(getattr(self, name), **values)
        return replace(self, **changed)


def _default_device_id() -> str:
    name = socket.gethostname().split(".")[0].lower() or "kindly"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


_SECTIONS = {"voice": VoiceConfig, "hearing": HearingConfig, "audio": AudioConfig}
_SECTIONS["mqtt"] = MqttConfig
_SECTIONS["wyoming"] = WyomingConfig
_SECTIONS["memory"] = MemoryConfig


def _typed(doc: YamlDoc, value: Any, default: Any, *path: str) -> Any:
    """Check a value against the type of its default (None defaults accept text)."""
    if value is None:
        return None
    if isinstance(default, bool) or (default is None and isinstance(value, bool)):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str | int) and not isinstance(value, bool)
        value = str(value) if ok else value
    if not ok:
        kind = type(default).__name__ if default is not None else "text"
        raise ConfigError(str(doc.error(f"must be {kind}", *path)))
    return value


LOG_LEVELS = ("debug", "info", "warning", "error", "critical")

# Allowed ranges (inclusive) of the numbers, and the choices of the words: a value outside
# them is refused when the config is read, naming file, key and line.
RANGES: dict[str, tuple[float, float]] = {
    "voice.length_scale": (0.5, 3.0),  # 0 or less would make every line silence
    "hearing.endpoint_silence": (0.1, 5.0),
    "hearing.endpoint_patience": (0.1, 10.0),
    "hearing.request_timeout": (1.0, 120.0),
    "mqtt.port": (1, 65535),
    "wyoming.port": (1, 65535),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "log_level": LOG_LEVELS,
    "hearing.engine": ("auto", "vosk", "pocketsphinx"),
    "hearing.vad": ("silero", "energy"),
    "hearing.wake_model": (
        "hey_kindly",
        "hey_kindly_net",
        "hey_kindly_sphinx",
        "okay_nabu",
        "hey_mycroft",
        "hey_jarvis",
        "alexa",
    ),
}
NOT_EMPTY = (
    "hearing.wake_phrase",
    "hearing.model",
    "voice.name",
    "mqtt.base_topic",
    "wyoming.host",
)


def _in_range(doc: YamlDoc, value: Any, *path: str) -> Any:
    """Refuse a value outside its range or choices (None, for 'not set', passes)."""
    key = ".".join(path)
    if value is None:
        return value
    if key in RANGES:
        low, high = RANGES[key]
        if not low <= value <= high:
            raise ConfigError(str(doc.error(f"must be between {low:g} and {high:g}", *path)))
    elif key in CHOICES and str(value).lower() not in CHOICES[key]:
        raise ConfigError(str(doc.error(f"must be one of {', '.join(CHOICES[key])}", *path)))
    elif key in NOT_EMPTY and not str(value).strip():
        raise ConfigError(str(doc.error("must not be empty", *path)))
    elif key == "mqtt.device_id" and not re.fullmatch(r"[A-Za-z0-9_-]+", str(value)):
        raise ConfigError(str(doc.error("use letters, digits, - and _ only", *path)))
    return value.lower() if key in CHOICES else value


def load_config(path: Path | None = None) -> Config:
    """Read the config file (missing file: defaults); errors name file, key and line."""
    explicit = path is not None
    path = path or user_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: config file not found")
        return Config()
    try:
        doc = YamlDoc(path, str(path))
    except ContentError as exc:
        raise ConfigError(str(exc)) from None
    data = doc.data or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the config must be a mapping")
    top: dict[str, Any] = {}
    defaults = Config()
    for key, value in data.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(str(doc.error("must be a mapping", key)))
            cls = _SECTIONS[key]
            section_defaults = getattr(defaults, key)
            known = {f.name for f in fields(cls)}
            values = {}
            for sub, sub_value in value.items():
                if sub not in known:
                    raise ConfigError(str(doc.error(f"unknown setting '{sub}'", key, sub)))
                typed = _typed(doc, sub_value, getattr(section_defaults, sub), key, sub)
                values[sub] = _in_range(doc, typed, key, sub)
            top[key] = replace(
                section_defaults, **{k: v for k, v in values.items() if v is not None}
            )
        elif key in ("region", "content", "log_level"):
            top[key] = _in_range(doc, _typed(doc, value, "", key), key)
        else:
            raise ConfigError(str(doc.error(f"unknown setting '{key}'", str(key))))
    return replace(defaults, **top)
