"""`kindly wyoming` as a real process: it answers everything it is sent, survives rude
clients, never logs, stores or publishes (over MQTT, to a real Mosquitto) a transcript,
and with --no-zeroconf opens no UDP socket (nothing goes to the network but the replies
and the broker's messages)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from wyoming.event import Event

from tests.brokers import Broker, Watcher, find_mosquitto
from tests.conftest import require_system, seed_semantic
from tests.wyoming.kit import HOST, ask

SECRET = "zanzibar"  # a word no content uses: anywhere in a log or a file means a leak
LINES = [
    f"I messed up at work with {SECRET}",
    f"turn on the {SECRET} light",
    f"what is self compassion {SECRET}",
    f"I want to die {SECRET}",
    f"{SECRET} keeps hitting me and I am scared",
    f"I'm so stressed about {SECRET}",
]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    find_mosquitto()
    require_system("mosquitto")
    running = Broker(tmp_path / "mosquitto").start()
    yield running
    running.stop()


@pytest.fixture
def kindly(tmp_path: Path, broker: Broker) -> Iterator[tuple[subprocess.Popen[str], int]]:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    for name in ("KINDLY_CACHE", "KINDLY_DATA", "KINDLY_CONFIG"):
        env.pop(name, None)
    seed_semantic(tmp_path / "cache")
    command = ["--log-level", "debug", "wyoming", "--uri", f"tcp://{HOST}:0", "--no-zeroconf"]
    command += ["--mqtt", f"{HOST}:{broker.port}", "--device-id", "wytest"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "skill", *command],
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / "stderr.log", "w"),  # noqa: SIM115 (closed with the process)
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the ready line, after start-up
        found = re.search(r":(\d+)$", line.strip())
        assert found, f"no ready line: {line!r}"
        yield proc, int(found.group(1))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _udp_sockets(pid: int) -> list[str]:
    """The UDP sockets (IPv4 and IPv6) this process holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("udp", "udp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        for row in path.read_text().splitlines()[1:]:
            fields = row.split()
            if fields[9] in inodes:
                found.append(f"{table} {fields[1]}")
    return found


def test_kindly_wyoming_answers_all_and_keeps_nothing(
    kindly: tuple[subprocess.Popen[str], int], broker: Broker, tmp_path: Path
) -> None:
    proc, port = kindly
    watcher = Watcher(broker.port, ["#"]).start()

    async def session() -> list[Event]:
        replies = []
        for round_ in range(5):
            for line in LINES:
                replies.append(await ask(port, line, {"conversation_id": f"r{round_}"}))
        # Rude clients: half an event, garbage, a huge text.
        reader, writer = await asyncio.open_connection(HOST, port)
        header = {"type": "transcript", "data_length": 400}
        writer.write(json.dumps(header).encode() + f'\n{{"text": "{SECRET}'.encode())
        await writer.drain()
        writer.close()
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(f"not json {SECRET}\n".encode())
        await writer.drain()
        await asyncio.wait_for(reader.read(), 20)  # the service closes it
        writer.close()
        for raw in (
            f'{{"data": {{"text": "{SECRET}"}}}}\n',
            '{"type": "transcript", "data_length": 8}\n["x", 1]',
        ):
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(raw.encode())
            await writer.drain()
            await asyncio.wait_for(reader.read(), 20)  # the service closes it
            writer.close()
        replies.append(await ask(port, f"{SECRET} " * 200_000))
        crowd = [ask(port, LINES[i % len(LINES)]) for i in range(200)]
        replies += list(await asyncio.gather(*crowd))
        return replies

    try:
        replies = asyncio.run(session())
        # A practice last (a crisis line cancels an offer still waiting): its offer goes
        # to the Kindly speaker over MQTT, so the MQTT path was live.
        assert asyncio.run(ask(port, LINES[0])).type == "handled"
        watcher.wait_for(lambda m: m.topic == "kindly/wytest/command", timeout=60)
        published = b"".join(m.topic.encode() + m.payload for m in watcher.since(0))
    finally:
        watcher.close()
    assert SECRET.encode() not in published, "a transcript went over MQTT"
    assert len(replies) == 5 * len(LINES) + 1 + 200
    assert {e.type for e in replies} == {"handled", "not-handled"}
    assert any("988" in e.data.get("text", "") for e in replies)
    assert _udp_sockets(proc.pid) == []  # --no-zeroconf: no mDNS socket, nothing multicast
    assert proc.poll() is None, "the service died"

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    log = (tmp_path / "stderr.log").read_text()
    assert "Traceback" not in log
    assert SECRET not in log, "a transcript reached the log"
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        assert SECRET.encode() not in path.read_bytes(), f"a transcript is stored in {path}"


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "skill", "wyoming", "--uri", f"tcp://{HOST}:{port}"],
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    assert proc.returncode == 2
    assert f"cannot listen on tcp://{HOST}:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("uri", ["http://localhost:10700", "tcp://localhost"])
def test_a_bad_uri_is_a_clear_error(uri: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "wyoming", "--uri", uri, "--no-zeroconf"],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: --uri {uri}:"), proc.stderr
    assert "Traceback" not in proc.stderr
