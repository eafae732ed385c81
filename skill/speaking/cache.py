"""The speech cache: every line Kindly says, synthesised once and kept on disk.

A line's key is the sha256 of the voice id, the prepared text and every synthesis
setting, so changing a line, the voice, the pace or the processing makes a new entry and
nothing else. Files are written atomically (`skill.paths.atomic_write`) and carry a header
with their length and a CRC32 of the samples: a truncated or damaged file is detected,
deleted and synthesised again, never played.

Only Kindly's own lines are stored here; nothing a person says is ever written to disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import struct
import time
import zlib
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from skill.audio import dsp
from skill.audio.dsp import Audio
from skill.config import VoiceConfig
from skill.content.model import Catalogue
from skill.core.events import CRISIS_PACE, Speak
from skill.core.practice import practice_outputs
from skill.errors import AudioError
from skill.paths import atomic_write, cache_dir
from skill.speaking.tts import VoiceInfo, open_synthesizer, prepare_text

log = logging.getLogger(__name__)

MAGIC = b"KINDLYS1"
_HEADER = struct.Struct("<8sIII")  # magic, sample rate, sample count, crc32 of the samples
SUFFIX = ".kspeech"


def default_cache_root() -> Path:
    return cache_dir() / "speech"


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    synthesised: int = 0
    corrupt: int = 0


class SpeechCache:
    """Finished lines on disk, one file per (voice, text, settings)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_cache_root()
        self.stats = CacheStats()
        # Lines kept here when the folder cannot be written (read-only, full): Kindly goes
        # on speaking, and says once why the cache is not growing.
        self.memory: dict[Path, tuple[Audio, int]] = {}
        self.unwritable: str | None = None

    @staticmethod
    def key(text: str, settings: dict[str, Any]) -> str:
        blob = json.dumps({"text": prepare_text(text), **settings}, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def path(self, voice: str, key: str) -> Path:
        return self.root / _safe(voice) / f"{key}{SUFFIX}"

    def load(self, path: Path) -> tuple[Audio, int] | None:
        """The cached audio and its rate, or None (missing, or corrupt and now removed)."""
        if path in self.memory:
            return self.memory[path]
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("speech cache: cannot read %s: %s", path.name, exc)
            return None
        if len(data) >= _HEADER.size:
            magic, rate, count, crc = _HEADER.unpack_from(data)
            payload = memoryview(data)[_HEADER.size :]
            if magic == MAGIC and len(payload) == 2 * count and zlib.crc32(payload) == crc:
                pcm = np.frombuffer(payload, dtype="<i2")
                return dsp.to_float(pcm.astype(np.int16, copy=False)), int(rate)
        self.stats.corrupt += 1
        log.warning("speech cache: %s is damaged; it will be synthesised again", path.name)
        path.unlink(missing_ok=True)
        return None

    def store(self, path: Path, audio: Audio, rate: int) -> int:
        """Write one line atomically; returns the file size (0 when kept in memory only)."""
        payload = dsp.to_int16(audio).astype("<i2").tobytes()
        header = _HEADER.pack(MAGIC, rate, len(payload) // 2, zlib.crc32(payload))
        try:
            atomic_write(path, header + payload)
        except OSError as exc:
            if self.unwritable is None:
                log.warning(
                    "speech cache %s cannot be written (%s); keeping lines in memory",
                    self.root,
                    exc,
                )
            self.unwritable = str(exc)
            self.memory[path] = (audio, rate)
            return 0
        return len(header) + len(payload)

    def usage(self) -> tuple[int, int]:
        """(files, bytes) of the whole cache."""
        files = [p for p in self.root.rglob(f"*{SUFFIX}") if not p.name.startswith(".")]
        return len(files), sum(p.stat().st_size for p in files)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


class Synth(Protocol):
    """What Speech needs of a synthesiser: `tts.Synthesizer`, or a fake with no model."""

    @property
    def info(self) -> VoiceInfo:
        """The voice's name, rate and id (the name names its cache folder)."""

    @property
    def sample_rate(self) -> int:
        """The rate of the audio it makes."""

    def settings(self, length_scale: float) -> dict[str, Any]:
        """Everything that shapes the audio of a line, for the cache key."""

    def load(self) -> None:
        """Load the model now rather than at the first line."""

    def stream(self, text: str, length_scale: float) -> Generator[Audio, None, None]:
        """The finished line, one piece per sentence; the pieces joined are the line."""

    def synthesize(self, text: str, length_scale: float) -> Audio:
        """The whole line as one array."""


class Speech:
    """Lines of speech at a pace: from the cache when there, synthesised (and kept) if not."""

    def __init__(self, synth: Synth, cache: SpeechCache | None, length_scale: float = 1.0) -> None:
        self.synth = synth
        self.cache = cache
        self.length_scale = length_scale  # the configured calm pace; Speak.pace multiplies it

    @property
    def rate(self) -> int:
        return self.synth.sample_rate

    def _scale(self, pace: float) -> float:
        return round(self.length_scale * pace, 3)

    def entry(self, text: str, pace: float = 1.0) -> Path | None:
        """Where this line at this pace is (or would be) cached."""
        if self.cache is None:
            return None
        key = SpeechCache.key(text, self.synth.settings(self._scale(pace)))
        return self.cache.path(self.synth.info.name, key)

    def cached(self, text: str, pace: float = 1.0) -> Audio | None:
        """The line from the cache, or None; counts a hit or a miss."""
        path = self.entry(text, pace)
        if path is None or self.cache is None:
            return None
        found = self.cache.load(path)
        if found is not None and found[1] == self.rate:
            self.cache.stats.hits += 1
            return found[0]
        self.cache.stats.misses += 1
        return None

    def stream(self, text: str, pace: float = 1.0) -> Generator[Audio, None, None]:
        """The line in pieces: one piece on a cache hit, one per sentence when synthesising.

        A line synthesised to the end is stored; one abandoned half-way is not.
        """
        hit = self.cached(text, pace)
        if hit is not None:
            yield hit
            return
        with contextlib.closing(self.synthesise(text, pace)) as pieces:
            yield from pieces

    def synthesise(self, text: str, pace: float = 1.0) -> Generator[Audio, None, None]:
        """Synthesise the line (no cache lookup), sentence by sentence; stored once complete."""
        pieces: list[Audio] = []
        with contextlib.closing(self.synth.stream(text, self._scale(pace))) as synthesised:
            for piece in synthesised:
                pieces.append(piece)
                yield piece
        self._keep(text, pace, np.concatenate(pieces))

    def line(self, text: str, pace: float = 1.0) -> Audio:
        """The whole line as one array."""
        hit = self.cached(text, pace)
        if hit is not None:
            return hit
        audio = self.synth.synthesize(text, self._scale(pace))
        self._keep(text, pace, audio)
        return audio

    def _keep(self, text: str, pace: float, audio: Audio) -> None:
        path = self.entry(text, pace)
        if self.cache is not None and path is not None:
            self.cache.stats.synthesised += 1
            self.cache.store(path, audio, self.rate)


def open_speech(voice: VoiceConfig, cache_root: Path | None = None, *, threads: int = 0) -> Speech:
    """Speech for a configured voice, cached under `cache_root` (default: the cache dir)."""
    synth = open_synthesizer(voice.name, speaker=voice.speaker, threads=threads)
    return Speech(synth, SpeechCache(cache_root), voice.length_scale)


# --- rendering the whole catalogue ---------------------------------------------------------


def lines_to_render(catalogue: Catalogue, crisis: Iterable[str]) -> list[tuple[str, float]]:
    """Every (line, pace) Kindly can say with this content and crisis response.

    `crisis` is every line of the crisis response for the region (its lines and its
    repeat). They are spoken at their own slower pace, so they are rendered at that pace.
    """
    # A practice's own lines are spoken at its slower pace (core.practice.unit_output).
    steps = dict.fromkeys(
        (o.text, o.pace)
        for p in catalogue.practices.values()
        for o in practice_outputs(p)
        if isinstance(o, Speak)
    )
    said = {text for text, _ in steps}
    lines = [(line, 1.0) for line in catalogue.spoken_lines() if line not in said]
    lines += list(steps)
    lines += [(line, CRISIS_PACE) for line in dict.fromkeys(crisis)]
    return lines


@dataclass(frozen=True)
class RenderReport:
    lines: int
    synthesised: int
    corrupt: int
    audio_seconds: float
    disk_bytes: int
    elapsed: float


def render(
    speech: Speech,
    lines: list[tuple[str, float]],
    progress: Callable[[int, int], None] | None = None,
) -> RenderReport:
    """Make sure every line is in the cache; synthesises only the missing or damaged ones."""
    if speech.cache is None:
        raise AudioError("rendering needs a speech cache")
    stats = speech.cache.stats
    before = (stats.synthesised, stats.corrupt)
    started = time.monotonic()
    samples = 0
    size = 0
    for i, (text, pace) in enumerate(lines):
        samples += len(speech.line(text, pace))
        if speech.cache.unwritable is not None:
            raise AudioError(
                f"speech cache {speech.cache.root}: cannot write: {speech.cache.unwritable}"
            )
        path = speech.entry(text, pace)
        size += path.stat().st_size if path is not None and path.exists() else 0
        if progress is not None:
            progress(i + 1, len(lines))
    return RenderReport(
        lines=len(lines),
        synthesised=stats.synthesised - before[0],
        corrupt=stats.corrupt - before[1],
        audio_seconds=samples / speech.rate,
        disk_bytes=size,
        elapsed=time.monotonic() - started,
    )
