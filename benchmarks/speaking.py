"""Speaking: time to first sample (cache hit vs cold), one-core real-time factor, render.

    python -m benchmarks.speaking [--quick]

"Say → first sample" is measured from `SpeakerPlayer.start(Speak(...))` to the first
block handed to the output (a sink that keeps time and plays nothing), so it covers
the cache lookup, the read, the resampling to the device rate and the thread hand-off.
Cold synthesis runs onnxruntime with one intra-op thread to measure one core honestly.
The catalogue render uses the default threads, as `kindly render` does. --quick skips it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._table import render as table
from skill.audio.speaker import NullSink
from skill.config import VoiceConfig
from skill.content.load import load_catalogue
from skill.core.events import Speak
from skill.nlu.safety import safety_check
from skill.speaking.cache import Speech, SpeechCache, lines_to_render, open_speech, render
from skill.speaking.player import SpeakerPlayer
from skill.speaking.tts import Synthesizer

Row = tuple[str, str, str, str]
SAMPLE_LINES = 24  # lines timed for the hit latency
COLD_LINES = 8  # lines synthesised cold (first sample and RTF)


def _first_sample_ms(speech: Speech, text: str, device_rate: int) -> float:
    sink = NullSink(device_rate, realtime=False)
    player = SpeakerPlayer(speech, sink)
    try:
        started = time.perf_counter()
        player.start(Speak(1, text))
        while sink.first_write is None and time.perf_counter() - started < 60:
            time.sleep(0.0002)
        player.stop()
        assert sink.first_write is not None, "nothing was played"
        return (sink.first_write - started) * 1000
    finally:
        player.close()


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(values):.1f} ms (p95 {p95:.1f})"


def rows(*, full: bool = True) -> list[Row]:
    """The benchmark rows: (measure, result, target, note)."""
    catalogue = load_catalogue()
    crisis = safety_check(catalogue).response("us")
    lines = lines_to_render(catalogue, crisis.lines + crisis.repeat)
    voice = VoiceConfig()
    out: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="kindly-bench-"))
    try:
        # One core: a voice with a single onnxruntime thread, cache in a fresh folder.
        speech = open_speech(voice, tmp / "one-core", threads=1)
        speech.synth.load()
        speech.synth.synthesize("Warm up.", 1.0)
        sample = [t for t, _ in lines[:COLD_LINES]]

        cold_first, synth_seconds, audio_seconds = [], 0.0, 0.0
        for text in sample:
            cold_first.append(_first_sample_ms(speech, text, speech.rate))
        for text in sample:  # the whole line, timed directly: the real-time factor
            started = time.perf_counter()
            audio = speech.synth.synthesize(text, speech.length_scale)
            synth_seconds += time.perf_counter() - started
            audio_seconds += len(audio) / speech.rate
        rtf = synth_seconds / audio_seconds
        out.append(
            (
                "cold synthesis real-time factor, 1 core",
                f"{rtf:.3f}",
                "<= 0.06",
                f"{len(sample)} lines, {audio_seconds:.0f} s of audio",
            )
        )
        out.append(
            (
                "say -> first sample, cold (1 core)",
                _ms(cold_first),
                "-",
                "first sentence synthesised, then streamed",
            )
        )

        # Cache hits: every sampled line is in the cache now.
        hit_lines = [t for t, _ in lines[:SAMPLE_LINES]]
        for text in hit_lines:
            speech.line(text)
        for rate, label in ((speech.rate, "voice rate"), (48_000, "48 kHz device, soxr")):
            hits = [_first_sample_ms(speech, t, rate) for t in hit_lines]
            out.append(
                (
                    f"say -> first sample, cache hit ({label})",
                    _ms(hits),
                    "<= 10 ms",
                    f"{len(hit_lines)} lines",
                )
            )

        if full:
            assert isinstance(speech.synth, Synthesizer)  # open_speech's: the real voice
            out += _render_rows(speech.synth, tmp / "full", lines)
        # Other work on the machine slows synthesis: say how busy it was.
        load = os.getloadavg()[0]
        out.append(("machine load (1 min average)", f"{load:.2f}", "-", f"{os.cpu_count()} cores"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _render_rows(one_core: Synthesizer, root: Path, lines: list[tuple[str, float]]) -> list[Row]:
    synth = Synthesizer(one_core.paths, speaker=one_core.speaker)  # default threads
    speech = Speech(synth, SpeechCache(root), VoiceConfig().length_scale)
    synth.load()
    cold = render(speech, lines)
    warm = render(speech, lines)
    minutes = cold.audio_seconds / 60
    return [
        (
            "render whole catalogue, cold (all cores)",
            f"{cold.elapsed:.1f} s",
            "-",
            f"{cold.lines} lines, {minutes:.1f} min of audio",
        ),
        (
            "render again, nothing changed",
            f"{warm.elapsed:.2f} s",
            "-",
            f"{warm.synthesised} synthesised",
        ),
        (
            "speech cache on disk",
            f"{cold.disk_bytes / 1e6:.1f} MB",
            "-",
            f"16-bit mono {speech.rate} Hz",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    print(table(("measure", "result", "target", "note"), rows(full="--quick" not in argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
