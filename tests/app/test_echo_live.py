"""On PulseAudio devices with Kindly's speaker fed back into its mic (0 dB): its own lines
("You can say stop at any time", "Even a pause can let feelings come up") are not acted
on as the controls they name."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from skill.app.voiceloop import OWN_WORDS
from skill.content.load import load_catalogue
from skill.core.events import Command, Heard
from skill.nlu.normalize import normalize
from tests.app.test_live import Live
from tests.pulse import Pulse

pytestmark = [pytest.mark.system, pytest.mark.audio]


@pytest.mark.xfail(
    strict=False,
    reason="issue 17 (session 5, quiet machine): passed 4 of 7 runs; in the others Kindly's "
    "echo while the canceller is still learning the room ('okay say that a bit') was heard "
    "as repeat and acted on, the second voice wrongly measured (passed in sessions 13-14)",
)
def test_kindly_s_own_lines_at_the_mic_trigger_no_control(pulse: Pulse) -> None:
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > 2 * cores:
        pytest.skip(f"load average {load:.0f} on {cores} cores: the test room is not steady")
    module = pulse.feed_back(0.0)
    live = Live(pulse)
    heard: list[Heard] = []
    try:
        assert live.loop is not None
        put: Callable[[object], None] = live.loop.put  # type: ignore[assignment]

        def spy(event: object) -> None:
            if isinstance(event, Heard):
                heard.append(event)
            put(event)

        live.loop.put = spy  # type: ignore[method-assign]
        live.loop.put(Command("start", "take_a_break"))
        assert live.wait_for("practice_started", 10), live.out.getvalue()
        time.sleep(16.0)  # the first three lines, with "stop" and "pause" in them
    finally:
        live.close()
        pulse.stop_feeding_back(module)
    # Kindly's own words, heard as the controls they name, are never acted on. (Other
    # words misheard in its echo while the canceller is still learning the room, "a bit
    # say that a bit" as repeat, are not caught by this: issue 17 keeps that open.)
    steps = load_catalogue().practices["take_a_break"].steps
    lines = " ".join(str(getattr(step, "text", "")) for step in steps[:6])
    said = set(normalize(lines).split())
    own = [
        h.match
        for h in heard
        if h.match.kind in ("control", "safety")
        and sum(w in said for w in normalize(h.match.text).split())
        >= OWN_WORDS * len(normalize(h.match.text).split())
    ]
    assert own == [], f"Kindly acted on its own words: {own}"
