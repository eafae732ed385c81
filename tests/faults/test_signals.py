"""Signals and the end of input, as systemd and a person at a terminal send them, to a real
`kindly run --text` process: no traceback, and the loop ends at once (within seconds where
it used to wait for a whole practice, minutes)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import skill.__main__ as skill_main
from skill.app.runtime import WELCOMED
from tests.audio_fixtures import join, silence, speech
from tests.faults.kit import TRACEBACK, env_for, start_logged, wait_for_text
from tests.pulse import Pulse

PROMPT_WAIT = 300.0  # a cold start on a loaded machine: content tables built afresh
END_WAIT = 15.0  # a practice lasts minutes: ending within this means it did not wait


def _start(home: Path, stdin: int | None = subprocess.PIPE) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "skill", "run", "--text", "--mute"],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(home, PYTHONFAULTHANDLER="1"),  # SIGABRT prints where a hang is
        cwd=home,
    )


def _where_it_hangs(proc: subprocess.Popen[bytes]) -> str:
    """Kill a process that did not end, and return what it printed (with PYTHONFAULTHANDLER
    set, SIGABRT makes Python print every thread's stack first)."""
    proc.send_signal(signal.SIGABRT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    assert proc.stderr is not None
    return proc.stderr.read().decode()[-6000:]


def _read_until(proc: subprocess.Popen[bytes], text: bytes, timeout: float) -> bytes:
    """Read the process's stdout until `text` shows (a practice has started)."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while text not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {text!r} in {timeout} s: {seen[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, f"stdout closed before {text!r}: {seen[-500:]!r}"
            seen += chunk
    return seen


def _bare_start() -> float:
    """The longest of three starts of a bare interpreter (`python -c pass`), in seconds."""
    took = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=60)
        took.append(time.monotonic() - started)
    return 1.5 * max(took)


def _ended(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    try:
        code = proc.wait(END_WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"still running {END_WAIT:g} s later") from None
    assert proc.stderr is not None
    return code, proc.stderr.read().decode()


def test_sigint_in_the_first_second_of_start_up_gives_no_traceback(tmp_path: Path) -> None:
    # The unit stops Kindly with SIGINT: one during start-up must not print a traceback.
    # Python's own start, before Kindly's first module runs, is out of Kindly's reach: the
    # signals come after the time a bare interpreter takes to start here (measured, as a
    # loaded machine takes far longer than the usual tens of milliseconds).
    python_up = _bare_start()
    for delay in (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0):
        proc = _start(tmp_path)
        time.sleep(python_up + delay)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            hang = _where_it_hangs(proc)
            raise AssertionError(f"after {delay} s, still running:\n{hang}") from None
        finally:
            proc.kill()
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        assert TRACEBACK not in err, f"after {delay} s:\n{err}"
        assert proc.returncode in (130, 0, -signal.SIGINT), (delay, proc.returncode, err)


# A program where the KeyboardInterrupt that SIGINT raises is lost on its way: caught by
# code that goes on (a library, or a finaliser, where Python only logs it). Only the first
# SIGINT raises, and it comes after "ready": wherever it lands, the one `try` holds it (a
# `try` inside the loop would not: Python may raise it at the loop's jump back).
_LOSES_IT = """
import signal, sys, time
import skill.__main__ as kindly
def idle():
    while True:
        time.sleep(0.05)
kindly.STOP_GRACE = float(sys.argv[1])
signal.signal(signal.SIGINT, kindly._interrupted)
try:
    print("ready", flush=True)
    idle()
except KeyboardInterrupt:
    pass
idle()
"""


def test_an_interrupt_python_wrapped_on_its_way_out_ends_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CI caught a start-up traceback: the SIGINT landed while `skill.config` defined its
    # dataclass, and Python 3.11 wrapped the KeyboardInterrupt in RuntimeError
    def interrupted(_argv: list[str] | None) -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc

    monkeypatch.setattr(skill_main, "_main", interrupted)
    assert skill_main.main([]) == 130


def test_a_runtime_error_of_its_own_is_not_taken_for_an_interrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_argv: list[str] | None) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(skill_main, "_main", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        skill_main.main([])


@pytest.mark.parametrize(("grace", "signals"), [(0.5, 1), (3600.0, 2)])
def test_a_lost_keyboard_interrupt_still_ends_kindly(
    tmp_path: Path, grace: float, signals: int
) -> None:
    # One SIGINT: the process ends when the grace runs out. Two: at once (a grace of an hour).
    proc = subprocess.Popen(
        [sys.executable, "-c", _LOSES_IT, str(grace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(tmp_path),
        cwd=tmp_path,
    )
    try:
        _read_until(proc, b"ready", PROMPT_WAIT)
        for _ in range(signals):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.3)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running:\n{_where_it_hangs(proc)}") from None
    finally:
        proc.kill()
    assert code == 130
    assert proc.stderr is not None
    assert TRACEBACK not in proc.stderr.read().decode()


def test_sigterm_ends_the_text_loop_mid_practice(tmp_path: Path) -> None:
    proc = _start(tmp_path)
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"help me take a break\n")
        proc.stdin.flush()
        _read_until(proc, b"Kindly: ", PROMPT_WAIT)
        proc.send_signal(signal.SIGTERM)
        code, err = _ended(proc)
    finally:
        proc.kill()
    assert code == 0, err
    assert TRACEBACK not in err


def test_ctrl_d_at_a_terminal_ends_the_text_loop_mid_practice(tmp_path: Path) -> None:
    # Ctrl-D used to wait for the practice to finish (minutes); piped input still does.
    main, child = pty.openpty()
    proc = _start(tmp_path, stdin=child)
    os.close(child)
    try:
        os.write(main, b"help me take a break\n")
        _read_until(proc, b"Kindly: ", PROMPT_WAIT)
        os.write(main, b"\x04")  # Ctrl-D on an empty line: end of input
        code, err = _ended(proc)
    finally:
        proc.kill()
        os.close(main)
    assert code == 0, err
    assert TRACEBACK not in err


@pytest.mark.system
@pytest.mark.audio
def test_sigterm_ends_the_voice_loop_mid_practice(pulse: Pulse, tmp_path: Path) -> None:
    """The voice loop on real devices (PulseAudio) as a service runs it: a practice playing,
    then SIGTERM. It ends at once, with no traceback."""
    config = tmp_path / "config" / "kindly" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f"audio: {{mic: {pulse.mic}, speaker: {pulse.speaker}}}\n"
        "hearing: {engine: pocketsphinx}\n",
        encoding="utf-8",
    )
    welcomed = tmp_path / "data" / "kindly" / WELCOMED
    welcomed.parent.mkdir(parents=True)
    welcomed.touch()  # not the first run: no welcome
    proc, out, err = start_logged(tmp_path, ["run", "--push-to-talk"])
    try:
        assert wait_for_text(err, "ready:", PROMPT_WAIT), err.read_text()[-2000:]
        assert proc.stdin is not None
        for _ in range(3):  # as a person would, say it again if it was not heard
            proc.stdin.write(b"\n")  # the button
            proc.stdin.flush()
            time.sleep(1.0)
            pulse.play_into_mic(join(speech("help me take a break"), silence(1.2)))
            if wait_for_text(out, "Kindly: ", 45):
                break
        assert "Kindly: " in out.read_text(), "the practice did not start"
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(END_WAIT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {END_WAIT:g} s after SIGTERM") from None
    finally:
        proc.kill()
        proc.wait(10)
    assert code == 0, err.read_text()[-2000:]
    assert TRACEBACK not in err.read_text()
