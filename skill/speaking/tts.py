"""Text to speech with Piper: text preparation, voice loading and synthesis.

Synthesis yields finished audio per sentence (trimmed, loudness-normalised, faded, with
calm gaps between sentences), so a line can start playing while its later sentences are
still being synthesised, and every line sounds equally loud whichever way it was made.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from skill.audio import dsp
from skill.audio.dsp import Audio
from skill.errors import ModelError
from skill.models.registry import VoicePaths, find_voice

LEAD_SECONDS = 0.05  # before a line: just enough that the first syllable is never clipped
SENTENCE_GAP = 0.6  # between sentences, at length_scale 1 (scales with the pace): a
# practice line at its pace (length_scale 1.15 x PRACTICE_PACE) leaves >= 0.8 s
TAIL_SECONDS = 0.35  # after a line, at length_scale 1: a breath before whatever comes next
# Everything above changes the audio: it is part of every cache key.
PROCESSING = (
    f"v3 rms={dsp.TARGET_DBFS} ceil={dsp.CEILING_DBFS} limit={dsp.LIMIT_DB} "
    f"fade={dsp.FADE_SECONDS} lead={LEAD_SECONDS} gap={SENTENCE_GAP} tail={TAIL_SECONDS} "
    "trim=45/0.03/0.06"
)

_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# A run of digit groups ("988", "116 123", "1-800-273-8255", "+44 808 ...").
_LETTER_A = re.compile(r"\bA is for\b")
_NUMBER_RUN = re.compile(r"(?<![\w.])\+?\d+(?:[ \-.]\d+)*(?![\w])")


def _spell_group(group: str) -> list[str]:
    """One digit group, split into threes (the last may be four) when it is long."""
    if len(group) <= 4:
        return [group]
    parts = [group[i : i + 3] for i in range(0, len(group), 3)]
    if len(parts[-1]) == 1:  # "7417411" -> 741 7411, never a lone trailing digit
        parts[-2:] = [parts[-2] + parts[-1]]
    return parts


def _spell_number(match: re.Match[str]) -> str:
    run = match.group(0)
    groups = re.split(r"[ \-.]", run.lstrip("+"))
    if sum(len(g) for g in groups) < 3:
        return run  # "5 minutes", "10": ordinary numbers are said as numbers
    spoken = [" ".join(_DIGITS[int(d)] for d in part) for g in groups for part in _spell_group(g)]
    return ("plus " if run.startswith("+") else "") + ", ".join(spoken)


def prepare_text(text: str) -> str:
    """The text as it should be handed to the voice.

    Any number of three or more digits is taken for a phone number and said digit by
    digit in its groups: "988" becomes "nine eight eight" and "116 123" becomes
    "one one six, one two three" (a voice would say "nine hundred eighty-eight").
    Content should write other numbers as words. "A is for Allow" names the letter.
    """
    text = " ".join(text.split())
    text = _LETTER_A.sub("Ay is for", text)  # RAIN's letter, never the article "uh"
    return _NUMBER_RUN.sub(_spell_number, text)


@dataclass(frozen=True)
class VoiceInfo:
    """What identifies a voice's sound without loading its model."""

    name: str
    sample_rate: int
    voice_id: str  # name + digest of the config + model size


def voice_info(paths: VoicePaths) -> VoiceInfo:
    # Hashing the whole 60 MB model costs ~0.5 s on a Pi at every start; its config
    # digest plus its size tell versions apart as well in practice.
    try:
        raw = paths.config.read_bytes()
        config = json.loads(raw)
        rate = int(config["audio"]["sample_rate"])
        size = paths.model.stat().st_size
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"voice {paths.name}: unreadable config {paths.config}: {exc}") from None
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return VoiceInfo(paths.name, rate, f"{paths.name}:{digest}:{size}")


class Synthesizer:
    """One Piper voice. The model loads on first use, so a cache-only run never waits."""

    def __init__(self, paths: VoicePaths, *, speaker: int | None = None, threads: int = 0) -> None:
        self.paths = paths
        self.info = voice_info(paths)
        self.speaker = speaker
        self.threads = threads  # onnxruntime intra-op threads; 0 = its default
        self._voice: Any = None
        self._lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    def settings(self, length_scale: float) -> dict[str, Any]:
        """Everything that shapes the audio of a line, for the cache key."""
        return {
            "voice": self.info.voice_id,
            "length_scale": round(length_scale, 3),
            "speaker": self.speaker,
            "processing": PROCESSING,
        }

    def load(self) -> None:
        """Load the ONNX model now (it takes a second or two)."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._voice is not None:
            return
        try:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig
        except ImportError as exc:
            raise ModelError(f"Piper is not installed ({exc}): pip install piper-tts") from None
        onnxruntime.disable_telemetry_events()  # beside ORT_DISABLE_TELEMETRY (skill/__init__)
        options = onnxruntime.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
        try:
            config = PiperConfig.from_dict(json.loads(self.paths.config.read_text("utf-8")))
            session = onnxruntime.InferenceSession(
                str(self.paths.model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(
                f"voice {self.paths.name}: cannot load {self.paths.model}: {exc}"
            ) from None
        self._voice = PiperVoice(session=session, config=config)

    def stream(self, text: str, length_scale: float) -> Generator[Audio, None, None]:
        """Finished audio of `text`, one piece per sentence, at the voice's rate.

        The pieces joined are the whole line: a short lead, each sentence normalised and
        faded, calm gaps between sentences, and a tail.
        """
        from piper.config import SynthesisConfig

        rate = self.sample_rate
        syn = SynthesisConfig(
            speaker_id=self.speaker, length_scale=round(length_scale, 3), normalize_audio=False
        )
        prepared = prepare_text(text)
        before = dsp.silence(LEAD_SECONDS, rate)  # the lead goes out with the first sentence
        said = False
        with self._lock:  # one synthesis at a time per voice (espeak and the session)
            self._load_locked()
            for chunk in self._voice.synthesize(prepared, syn_config=syn):
                audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
                audio = dsp.trim(audio, rate)
                if len(audio) == 0:
                    continue
                yield np.concatenate([before, dsp.fade(dsp.normalise(audio, rate), rate)])
                before = dsp.silence(SENTENCE_GAP * length_scale, rate)
                said = True
        if not said:
            yield before  # nothing was said: keep the timing of an empty line
        yield dsp.silence(TAIL_SECONDS * length_scale, rate)

    def synthesize(self, text: str, length_scale: float) -> Audio:
        """The whole line as one array."""
        return np.concatenate(list(self.stream(text, length_scale))).astype(np.float32)


def open_synthesizer(name: str, *, speaker: int | None = None, threads: int = 0) -> Synthesizer:
    """The synthesizer for a configured voice name (not loaded yet)."""
    return Synthesizer(find_voice(name), speaker=speaker, threads=threads)
