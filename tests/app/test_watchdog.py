"""The sd_notify client and the audio watchdog, against a real unix datagram socket."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.app.watchdog import Notifier, Watchdog, socket_address, watchdog_interval


class Systemd:
    """A datagram socket standing in for systemd's notify socket."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(2.0)

    def received(self) -> str:
        return self.sock.recv(4096).decode("utf-8")

    def nothing_more(self) -> bool:
        self.sock.settimeout(0.05)
        try:
            self.sock.recv(4096)
        except TimeoutError:
            return True
        return False


@pytest.fixture
def systemd() -> Iterator[Systemd]:
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="kindly-notify-"))  # short: <108 bytes
    listener = Systemd(str(folder / "notify"))
    yield listener
    listener.sock.close()
    shutil.rmtree(folder, ignore_errors=True)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_notify_socket_everything_is_a_no_op() -> None:
    notifier = Notifier(env={})
    assert not notifier.enabled
    assert not notifier.ready("listening")
    assert not notifier.watchdog()
    watchdog = Watchdog(notifier, interval=30.0)
    assert not watchdog.enabled
    assert not watchdog.audio_flowing()
    assert watchdog.pets == 0


def test_ready_status_and_stopping_reach_systemd(systemd: Systemd) -> None:
    notifier = Notifier(env={"NOTIFY_SOCKET": systemd.address})
    assert notifier.enabled
    assert notifier.ready("listening")
    assert systemd.received() == "READY=1\nSTATUS=listening"
    assert notifier.status("microphone lost:\ntrying again")  # one line, always
    assert systemd.received() == "STATUS=microphone lost: trying again"
    assert notifier.stopping()
    assert systemd.received() == "STOPPING=1"
    assert notifier.sent == 3
    notifier.close()


def test_abstract_socket_names_start_with_at() -> None:
    assert socket_address("@kindly/notify") == "\0kindly/notify"
    assert socket_address("/run/systemd/notify") == "/run/systemd/notify"
    assert socket_address("vsock:2:1234") is None
    assert socket_address("relative/path") is None
    name = f"kindly-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        listener.settimeout(2.0)
        assert Notifier(f"@{name}").watchdog()
        assert listener.recv(64) == b"WATCHDOG=1"


def test_watchdog_pets_at_most_every_third_of_the_interval(systemd: Systemd) -> None:
    clock = Clock()
    notifier = Notifier(systemd.address)
    watchdog = Watchdog(notifier, interval=30.0, clock=clock)
    assert watchdog.enabled and watchdog.period == 10.0
    sent = []
    for step in range(0, 41):  # a chunk every half second for 20 s
        clock.now = 100.0 + step * 0.5
        if watchdog.audio_flowing():
            sent.append(clock.now - 100.0)
    assert sent == [0.0, 10.0, 20.0]
    assert [systemd.received() for _ in sent] == ["WATCHDOG=1"] * 3
    assert systemd.nothing_more()
    assert watchdog.pets == 3


def test_no_audio_means_no_pets(systemd: Systemd) -> None:
    """The point of the watchdog: it is only petted from the audio path."""
    clock = Clock()
    watchdog = Watchdog(Notifier(systemd.address), interval=3.0, clock=clock)
    assert watchdog.ready()
    assert systemd.received() == "READY=1\nSTATUS=listening"
    clock.now += 60.0  # a minute without a chunk
    assert systemd.nothing_more()
    assert watchdog.audio_flowing()  # audio again: pets at once
    assert systemd.received() == "WATCHDOG=1"


def test_watchdog_interval_comes_from_systemd() -> None:
    me = str(os.getpid())
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": me}) == 30.0
    assert watchdog_interval({"WATCHDOG_USEC": "5000000"}) == 5.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "soon"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({}) is None


def test_watchdog_reads_its_interval_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, systemd: Systemd
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", systemd.address)
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    watchdog = Watchdog()
    assert watchdog.enabled and watchdog.interval == 30.0 and watchdog.period == 10.0
    monkeypatch.delenv("WATCHDOG_USEC")
    assert not Watchdog().enabled  # Type=notify without WatchdogSec: READY only


def test_a_vanished_socket_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier(str(tmp_path / "gone"))
    watchdog = Watchdog(notifier, interval=30.0)
    assert not watchdog.audio_flowing()
    assert not notifier.ready()
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1  # once, then debug
    assert "cannot notify systemd" in warnings[0].getMessage()
