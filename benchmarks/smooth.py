"""Smooth audio under load: playback gaps during a practice, with "slower" said in it.

    python -m benchmarks.smooth [--quick]

A private PulseAudio daemon (tests/pulse.py) is the speaker; Kindly's real loop (session,
player, PyAudio sink in callback mode, Piper voice) plays `self_compassion_minute` while
`stress-ng --cpu 2` loads both cores. As after `kindly render`, the practice's lines are
in the speech cache at its usual pace only; "slower" is said as the third line starts, so
every later line is needed at a pace nobody rendered. A gap is audio missing from the
device while a line was being played (the sink's callback found its queue short), summed
over consecutive callbacks; a device underrun is PortAudio saying the device itself ran dry
because the callback came too late (its length is not known). Baseline: the same without
synthesis ahead of the playhead.
Target (issue 17): no gap over 50 ms.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._table import render as table
from benchmarks.echoloop import _pulse

PRACTICE = "self_compassion_minute"


def _run(daemon: object, look_ahead: bool, seconds: float) -> tuple[list[float], int, int]:
    from skill.app.loop import Loop
    from skill.audio.speaker import PyAudioSink
    from skill.config import VoiceConfig
    from skill.content.load import load_catalogue
    from skill.core.events import Command, Speak
    from skill.core.practice import practice_outputs
    from skill.core.session import Session
    from skill.nlu.intents import IntentMatcher
    from skill.nlu.safety import safety_check
    from skill.speaking.ahead import LookAhead
    from skill.speaking.cache import open_speech
    from skill.speaking.player import SpeakerPlayer

    root = Path(tempfile.mkdtemp(prefix="kindly-cache-"))
    try:
        speech = open_speech(VoiceConfig(), root)
        catalogue = load_catalogue()
        for output in practice_outputs(catalogue.practices[PRACTICE]):
            if isinstance(output, Speak):
                speech.line(output.text, output.pace)  # as `kindly render` leaves it
        sink = PyAudioSink(speech.rate, "kindly_speaker")
        ahead = LookAhead(speech, lambda: catalogue) if look_ahead else None
        player = SpeakerPlayer(speech, sink, look_ahead=ahead)
        session = Session(catalogue, safety_check(catalogue).response("us"))
        lines: list[float] = []
        loop = Loop(
            session,
            IntentMatcher(catalogue),
            player,
            on_output=lambda o: lines.append(time.monotonic()) if isinstance(o, Speak) else None,
        )
        stress = subprocess.Popen(
            ["stress-ng", "--cpu", "2", "--timeout", f"{int(seconds) + 30}s", "--quiet"]
        )
        try:
            import threading

            thread = threading.Thread(target=loop.run, daemon=True)
            thread.start()
            loop.put(Command("start", PRACTICE))
            deadline = time.monotonic() + 60
            while len(lines) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            loop.put_text("slower")
            time.sleep(seconds)
            loop.shutdown()
            thread.join(timeout=10)
        finally:
            stress.terminate()
            stress.wait(timeout=10)
            player.close()
        return sink.gaps, len(lines), sink.device_underruns
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    if shutil.which("stress-ng") is None:
        print("stress-ng is not installed: sudo apt install stress-ng (deploy/apt.sh test)")
        sys.exit(1)
    seconds = 30.0 if "--quick" in sys.argv else 70.0
    rows = []
    with _pulse() as daemon:
        for look_ahead in (True, False):
            gaps, lines, device = _run(daemon, look_ahead, seconds)
            over = [g for g in gaps if g > 0.05]
            rows.append(
                [
                    "synthesis ahead" if look_ahead else "baseline: live synthesis",
                    str(lines),
                    f"{max(gaps, default=0.0) * 1000:.0f} ms",
                    str(len(over)),
                    f"{sum(gaps) * 1000:.0f} ms",
                    str(device),
                ]
            )
    load = os.getloadavg()[0]
    print(
        table(
            [
                "stress-ng --cpu 2, 'slower' at line 3",
                "lines",
                "longest gap",
                "gaps > 50 ms",
                "all gaps",
                "device underruns",
            ],
            rows,
        )
    )
    print(f"target: no gap over 50 ms. Load average at the end: {load:.1f} (2 cores)")


if __name__ == "__main__":
    main()
