"""Reply latency: from the end of the person's speech to the first sample of Kindly's reply.

    python -m benchmarks.latency

Each request is synthesised with the Piper voice and fed to the real hearing stage in
30 ms chunks, as a microphone would deliver it in real time. Latency is the audio time
the endpointer waits after speech ends, plus the compute after the last chunk (final
decode, safety, intents, session) plus the time to the first sample of the reply.
Device latency is the same for both set-ups and left out.

Kindly's defaults: its endpointer (0.5 s when the grammar says the phrase is complete),
the reply pre-rendered in the speech cache. The baseline is set up like Home Assistant's
voice pipeline: 0.7 s of trailing silence ends every utterance, and the reply is
synthesised on demand.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._table import render
from skill.config import Config, HearingConfig
from skill.content.load import load_catalogue
from skill.content.model import Say
from skill.hearing.asr.select import make_recogniser
from skill.hearing.endpoint import EndpointConfig
from skill.hearing.listener import Listener, endpoint_config
from skill.nlu.intents import IntentMatcher
from skill.speaking.cache import open_speech
from tests.audio_fixtures import join, silence, speech

CHUNK = 480  # 30 ms at 16 kHz
REQUESTS = [
    "I messed up",
    "help me take a break",
    "I need some comfort",
    "my inner critic is so harsh",
    "help me write a kind letter to myself",
    "let's do the rain practice",
    "bedtime reflection",
    "I made a big mistake at work",
    "I feel so stressed",
    "I need a hug",
    "what would I say to a friend",
    "I can't sleep",
    "I keep beating myself up",
    "I need a breather",
    "I'm so angry with myself",
    "start a self compassion break",
    "help me calm down",
    "I feel lonely",
    "I'm being too hard on myself",
    "help me wind down for bed",
    "I failed my exam",
    "I feel like a failure",
    "I'm overwhelmed",
    "soothing touch",
    "the friend exercise",
    "write a compassionate letter",
    "I'm stuck in a difficult feeling",
    "reflect on my day",
    "I screwed up again",
    "can we just breathe for a bit",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(endpoint: EndpointConfig, *, cached: bool, work: Path) -> list[float]:
    """Seconds from end of speech to the reply's first sample, per request."""
    catalogue = load_catalogue()
    matcher = IntentMatcher(catalogue)
    config = Config()
    recogniser = make_recogniser(catalogue, config.hearing)
    voice = open_speech(config.voice, work / ("cache" if cached else "cold"))
    first_lines = {
        p.id: next(s.text for s in p.steps if isinstance(s, Say))
        for p in catalogue.practices.values()
    }
    if cached:
        for line in first_lines.values():
            voice.line(line)  # pre-rendered, as `kindly render` does
    latencies = []
    for text in REQUESTS:
        said = speech(text)
        lead = 0.4
        pcm = join(silence(lead), said, silence(2.0))
        speech_end = lead + len(said) / 16_000
        listener = Listener(recogniser, matcher, endpoint, floor_db=None)
        fed_until = 0.0
        for start in range(0, len(pcm), CHUNK):
            fed_until = (start + CHUNK) / 16_000
            if listener.feed(pcm[start : start + CHUNK]) is not None:
                break
        started = time.perf_counter()
        heard = listener.finish()
        practice = heard.match.intent if heard.match.kind == "practice" else None
        reply = first_lines.get(practice or "", catalogue.phrases["not_understood"])
        if cached and voice.cached(reply) is not None:
            pass
        else:
            next(voice.synthesise(reply))
        compute = time.perf_counter() - started
        latencies.append(max(0.0, fed_until - speech_end) + compute)
    return latencies


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kindly = measure(endpoint_config(HearingConfig()), cached=True, work=work)
        baseline_endpoint = EndpointConfig(silence=0.7, complete_silence=0.7)
        baseline = measure(baseline_endpoint, cached=False, work=work)
    rows = []
    for name, values in (("kindly (defaults)", kindly), ("baseline (HA-like)", baseline)):
        rows.append(
            [
                name,
                len(values),
                f"{statistics.median(values):.3f} s",
                f"{_percentile(values, 0.95):.3f} s",
            ]
        )
    ratio = statistics.median(kindly) / statistics.median(baseline)
    print(render(["set-up", "requests", "p50", "p95"], rows))
    print(f"\nkindly / baseline (p50): {ratio:.2f}  (targets: p50 <= 0.45 s, p95 <= 0.7 s, <= 0.5)")


if __name__ == "__main__":
    main()
