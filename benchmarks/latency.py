"""Reply latency: from the end of the person's speech to the first sample of Kindly's reply.

    python -m benchmarks.latency

Each request is synthesised with the Piper voice and fed to the real hearing stage in
30 ms chunks, as a microphone delivers them in real time: a chunk is heard when it has
arrived and the hearing thread is free, so work done while the person speaks counts only
where it holds up the reply. Latency is when the reply's first sample is ready (hearing,
safety, intents, then the cached or synthesised line) less when the speech ended (its
last audible 10 ms). A third of the requests have a 0.7 s pause inside them ("help me ... take a
break"). Device latency is the same for both set-ups and left out.

Kindly's defaults: its endpointer (0.35 s when the partial is a whole template sentence,
else 0.75 s), the reply pre-rendered in the speech cache. The baseline is set up like Home
Assistant's voice pipeline: 0.7 s of trailing silence ends every utterance, the utterance
is decoded after that, and the reply is synthesised on demand.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._table import render
from benchmarks._voices import paused, speech_end
from benchmarks.voiceloop import PAUSED
from skill.config import Config, HearingConfig
from skill.content.load import load_catalogue
from skill.content.model import Say
from skill.hearing.asr.select import make_recogniser
from skill.hearing.endpoint import EndpointConfig
from skill.hearing.listener import Listener, endpoint_config
from skill.nlu.intents import IntentMatcher
from skill.speaking.cache import open_speech
from tests.audio_fixtures import Pcm, join, silence, speech

CHUNK = 480  # 30 ms at 16 kHz
LEAD = 0.4  # seconds of silence before each request
PAUSE = 0.7  # seconds of the pause inside the paused requests
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


def requests() -> list[tuple[Pcm, float]]:
    """(audio, when its speech ends): the whole requests, then the paused ones."""
    made = []
    for text in REQUESTS:
        pcm = join(silence(LEAD), speech(text), silence(2.0))
        made.append((pcm, speech_end(pcm)))
    for first, second in PAUSED:
        said, _ = paused(speech(first), speech(second), PAUSE)
        pcm = join(silence(LEAD), said, silence(2.0))
        made.append((pcm, speech_end(pcm)))
    return made


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
    for pcm, end in requests():
        listener = Listener(recogniser, matcher, endpoint, floor_db=None)
        free = 0.0  # when the hearing thread has done with what it was given
        for start in range(0, len(pcm), CHUNK):
            arrived = (start + CHUNK) / 16_000
            began = time.perf_counter()
            done = listener.feed(pcm[start : start + CHUNK])
            free = max(free, arrived) + time.perf_counter() - began
            if done is not None:
                break
        began = time.perf_counter()
        heard = listener.finish()
        practice = heard.match.intent if heard.match.kind == "practice" else None
        reply = first_lines.get(practice or "", catalogue.phrases["not_understood"])
        if not cached or voice.cached(reply) is None:
            next(voice.synthesise(reply))
        latencies.append(free + time.perf_counter() - began - end)
    return latencies


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kindly = measure(endpoint_config(HearingConfig()), cached=True, work=work)
        baseline_endpoint = EndpointConfig(silence=0.7, complete_silence=0.7)
        baseline = measure(baseline_endpoint, cached=False, work=work)
    whole = len(REQUESTS)
    rows = []
    for name, values in (("kindly (defaults)", kindly), ("baseline (HA-like)", baseline)):
        rows.append(
            [
                name,
                f"{statistics.median(values):.3f} s",
                f"{_percentile(values, 0.95):.3f} s",
                f"{statistics.median(values[:whole]):.3f} s",
                f"{statistics.median(values[whole:]):.3f} s",
            ]
        )
    ratio = statistics.median(kindly) / statistics.median(baseline)
    head = ["set-up", "p50", "p95", f"p50, {whole} whole", f"p50, {len(PAUSED)} paused"]
    print(render(head, rows))
    print(
        f"\nkindly / baseline (p50): {ratio:.2f}  (targets: p50 <= 0.40 s, p95 <= 0.70 s, <= 0.5)"
    )


if __name__ == "__main__":
    main()
