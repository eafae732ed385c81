"""`kindly run --text`: the same state machine, typed input, printed output."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TextIO, cast

from skill.app.loop import Clock
from skill.cli import common as cli
from skill.config import Config
from skill.content.load import load_catalogue
from skill.content.model import Say


def run_text(lines: str) -> str:
    out = io.StringIO()
    code = cli.cmd_run_text(Config(), fast=True, mute=True, source=io.StringIO(lines), out=out)
    assert code == 0
    return out.getvalue()


def test_whole_practice_runs_with_fast() -> None:
    output = run_text("I messed up\n")
    practice = load_catalogue().practices["self_compassion_break"]
    spoken = [s.text for s in practice.steps if isinstance(s, Say)]
    for text in spoken:
        assert f"Kindly: {text}" in output
    assert "s of quiet)" in output and "(a soft chime)" in output
    last = practice.steps[-1].text  # type: ignore[union-attr]
    offer = load_catalogue().phrases["remember_offer"]
    # The practice ends, then Kindly offers once to remember it; input ended, so no answer.
    assert output.rstrip().endswith(f"Kindly: {last}\nKindly: {offer}\n        (listening)")


def test_info_answer_and_unknown() -> None:
    output = run_text("what is self compassion\nwhat's the capital of France\n")
    assert "Kindly:" in output
    assert "I'm not sure I can help with that" in output


def test_crisis_in_text_mode_prints_the_helpline_twice() -> None:
    output = run_text("I don't want to be alive anymore\n")
    assert output.count("988") >= 2
    assert "Breathe" not in output


def test_stop_mid_practice_interactive() -> None:
    """A real terminal-like session: type, read what Kindly says, type stop."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "skill", "run", "--text", "--mute"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("I messed up\n")
        proc.stdin.flush()
        first = proc.stdout.readline()
        assert "Self-Compassion Break" in first and "stop" in first
        proc.stdin.write("stop\n")
        proc.stdin.flush()
        started = time.monotonic()
        proc.stdin.close()
        rest = proc.stdout.read()
        assert proc.wait(timeout=30) == 0
        # It stopped: far less than the practice's 3 minutes, and no closing line.
        assert time.monotonic() - started < 20
        assert "That's the Self-Compassion Break" not in rest
    finally:
        proc.kill()


class Held(Clock):
    """A fast clock that stops once `hold` is set, until it is released."""

    def __init__(self, hold: threading.Event) -> None:
        super().__init__(fast=True)
        self.hold = hold
        self.released = threading.Event()

    def done(self) -> bool:
        return self.released.is_set() or not self.hold.is_set()


class Typed:
    """A keyboard: each line comes when the lines before it have had their effect."""

    def __init__(self, lines: Callable[[], Iterator[str]]) -> None:
        self.lines = lines

    def isatty(self) -> bool:
        return False

    def __iter__(self) -> Iterator[str]:
        return self.lines()


class Watched(io.StringIO):
    """The terminal: notes when a given line has been printed."""

    def __init__(self, awaited: str) -> None:
        super().__init__()
        self.awaited = awaited
        self.seen = threading.Event()

    def write(self, text: str) -> int:
        if self.awaited in text:
            self.seen.set()
        return super().write(text)


def test_crisis_mid_practice_stops_it() -> None:
    output = run_text("help me take a break\n")
    assert "Breathe in." in output
    # The same practice, with the crisis typed while it guides a breath: the clock runs
    # fast, then holds at "Breathe in." until the crisis is typed; no real time passes.
    out = Watched("Breathe in.")
    player = Held(out.seen)

    def typed() -> Iterator[str]:
        yield "help me take a break\n"
        out.seen.wait(30)  # the practice has reached a breath (checked below)
        yield "I want to end it all\n"
        player.released.set()  # the crisis line is queued: let everything finish

    code = cli.cmd_run_text(
        Config(), fast=True, mute=False, source=cast(TextIO, Typed(typed)), out=out, player=player
    )
    assert code == 0
    rest = out.getvalue()
    assert "Breathe in." in rest
    crisis_at = rest.index("988")
    assert "Breathe in." not in rest[crisis_at:], "the practice never comes back"
