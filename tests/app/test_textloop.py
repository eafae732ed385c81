"""`kindly run --text`: the same state machine, typed input, printed output."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO, cast

import pytest

from skill.app.loop import Clock
from skill.cli import common as cli
from skill.config import Config
from skill.content.load import load_catalogue
from skill.content.model import Ask, Say
from skill.core.events import Listen, Output, Silence


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


# -- replies, memory, and ending promptly ------------------------------------------------


class Terminal(io.StringIO):
    """The terminal: a typist can wait for a line to be printed."""

    def __init__(self) -> None:
        super().__init__()
        self.printed = threading.Condition()

    def write(self, text: str) -> int:
        with self.printed:
            written = super().write(text)
            self.printed.notify_all()
        return written

    def wait_for(self, text: str, times: int = 1) -> None:
        with self.printed:
            seen = self.printed.wait_for(lambda: self.getvalue().count(text) >= times, 60)
        assert seen, f"never printed: {text!r}"

    def wait_for_after(self, text: str, after: str) -> None:
        def printed() -> bool:
            value = self.getvalue()
            return after in value and text in value[value.index(after) :]

        with self.printed:
            seen = self.printed.wait_for(printed, 60)
        assert seen, f"never printed {text!r} after {after!r}"


class Question:
    """For `Attentive`: hold the quiet after a reflective question (an answer may come)."""


class Attentive(Clock):
    """Fast, except that quiet and listening wait for the person (or for a cut)."""

    def __init__(self, hold: tuple[type, ...] = (Listen,)) -> None:
        super().__init__(fast=True)
        self.hold = hold
        self.holding = False
        self.questions = 1  # only the first question's quiet is held (until cut)

    def start(self, output: Output) -> None:
        super().start(output)
        question = isinstance(output, Silence) and output.question and Question in self.hold
        if question:
            self.questions -= 1
        self.holding = isinstance(output, self.hold) or (question and self.questions >= 0)

    def done(self) -> bool:
        return not self.holding and super().done()

    def stop(self) -> None:
        super().stop()
        self.holding = False


def converse(lines: list[str | tuple[str, ...]], player: Clock) -> str:
    """Type each line; (line, awaited) waits for `awaited` to be printed first, and
    (line, awaited, after) for `awaited` printed after `after`."""
    out = Terminal()

    def typed() -> Iterator[str]:
        for item in lines:
            line, *awaited = (item,) if isinstance(item, str) else item
            if len(awaited) == 2:  # the first printed after the second
                out.wait_for_after(*awaited)
            elif awaited:
                out.wait_for(awaited[0])
            yield line + "\n"

    code = cli.cmd_run_text(
        Config(), fast=True, mute=False, source=cast(TextIO, Typed(typed)), out=out, player=player
    )
    assert code == 0
    return out.getvalue()


def said_lines(output: str) -> list[str]:
    return [
        line.removeprefix("Kindly: ") for line in output.splitlines() if line.startswith("Kindly:")
    ]


def test_replies_to_controls_thanks_and_time_left() -> None:
    phrases = load_catalogue().phrases
    output = converse(
        [
            "how long is this?",
            "pause",
            "thank you",
            "help me take a break",
            "how long is this?",
            "slower",
            "faster",
            "stop",
        ],
        Attentive(hold=(Silence, Listen)),  # the practice waits in its first quiet
    )
    lines = said_lines(output)
    assert lines[0] == phrases["nothing_playing"] and lines[1] == phrases["nothing_playing"]
    assert lines[2] == load_catalogue().infos["thanks"].answer[0]
    practice = lines.index(next(line for line in lines if "stop at any time" in line))
    after = lines[practice + 1 :]
    assert after[0].startswith("There's ") and after[0].endswith(" left.")
    # Held in the practice's first quiet: each reply, then that quiet again (not printed
    # as a line), until "stop": the acknowledgement and one grounding line.
    assert after[1:] == [phrases[k] for k in ("slower", "faster", "stopped", "grounding")]
    assert "about a minute" in after[0] or "less than a minute" in after[0]


def test_remember_only_on_yes_then_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path))
    phrases = load_catalogue().phrases
    output = converse(
        [
            "help me take a break",
            ("yes", phrases["remember_offer"]),
            ("what helped me before?", phrases["remembered"]),
        ],
        Attentive(),
    )
    title = load_catalogue().practices["take_a_break"].title
    assert f"Kindly: {phrases['helped_before'].format(practices=title)}" in output
    kept = json.loads((tmp_path / "helped.json").read_text(encoding="utf-8"))
    assert [set(entry) for entry in kept["helped"]] == [{"practice", "date"}]
    assert kept["helped"][0]["practice"] == "take_a_break"
    output = converse(
        ["forget what helped", ("what helped me before?", phrases["forgotten"])], Attentive()
    )
    assert phrases["nothing_remembered"] in output and not (tmp_path / "helped.json").exists()


def test_no_keeps_nothing_in_the_text_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path))
    phrases = load_catalogue().phrases
    output = converse(["help me take a break", ("no", phrases["remember_offer"])], Attentive())
    assert phrases["not_remembered"] in output and not (tmp_path / "helped.json").exists()


def _kindly_text(stdin: int) -> subprocess.Popen[bytes]:
    """`kindly run --text --mute` (real time: a practice takes minutes)."""
    return subprocess.Popen(
        [sys.executable, "-m", "skill", "run", "--text", "--mute"],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def _read_until(proc: subprocess.Popen[bytes], text: bytes, timeout: float = 180) -> bytes:
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], max(left, 0))
        assert ready, f"never printed {text!r}; got {seen[-300:]!r}"
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, f"ended before {text!r}; got {seen[-300:]!r}"
        seen += chunk
    return seen


def test_ctrl_d_at_a_terminal_ends_mid_practice() -> None:
    """Ctrl-D at a real terminal (a pty) ends the loop now, not when RAIN ends (4 min)."""
    main, typist = pty.openpty()
    proc = _kindly_text(typist)
    os.close(typist)
    try:
        os.write(main, b"let's do rain\n")
        _read_until(proc, b"RAIN")
        os.write(main, b"\x04")  # Ctrl-D at the start of a line: end of input
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        os.close(main)


def test_sigterm_ends_the_text_loop_mid_practice() -> None:
    proc = _kindly_text(subprocess.PIPE)
    assert proc.stdin is not None
    try:
        proc.stdin.write(b"let's do rain\n")
        proc.stdin.flush()
        _read_until(proc, b"RAIN")
        proc.send_signal(signal.SIGTERM)  # stdin stays open: only the signal can end it
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()


def test_a_heavy_answer_to_bedtime_s_question_checks_in_and_no_carries_on() -> None:
    catalogue = load_catalogue()
    phrases = catalogue.phrases
    bedtime = catalogue.practices["bedtime_reflection"]
    asked = next(s for s in bedtime.steps if isinstance(s, Ask)).text
    output = converse(
        [
            "bedtime reflection please",
            ("I felt like a burden at work today", "s of quiet)\n", asked),
            ("no", phrases["check_in"]),
        ],
        Attentive(hold=(Listen, Question)),
    )
    lines = said_lines(output)
    at = lines.index(phrases["check_in"])
    assert lines[at + 1] == phrases["resumed"]
    assert bedtime.steps[-1].text in lines[at:], "the practice went on to its end"  # type: ignore[union-attr]
    assert not any("116 123" in line or "988" in line for line in lines)
