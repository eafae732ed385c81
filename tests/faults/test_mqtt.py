"""MQTT faults against real Mosquitto brokers on loopback: a retained command, an ACL that
denies Kindly's publishes, and a flood of bad commands through a real `kindly run`."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skill.config import Config, MqttConfig
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.core.events import Command
from skill.mqtt.bridge import bridge_for
from tests.brokers import HOST, Broker, Watcher, find_mosquitto
from tests.conftest import require_system
from tests.contentkit import TINY_PRACTICE, make_content
from tests.faults.kit import TRACEBACK, env_for
from tests.mqtt.test_mqtt import kindly as kindly_bridge

pytestmark = pytest.mark.system
FLOOD = 10_000


class AclBroker(Broker):
    """A broker whose ACL lets anyone read everything and write nothing under kindly/."""

    def _config(self) -> Path:
        path = super()._config()
        acl = self.workdir / f"acl-{self.port}"
        acl.write_text("topic read #\ntopic readwrite test/#\n", encoding="utf-8")
        with path.open("a", encoding="utf-8") as out:
            out.write(f"acl_file {acl}\n")
        return path


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    find_mosquitto()
    require_system("mosquitto")
    running = Broker(tmp_path_factory.mktemp("mosquitto")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = make_content(tmp_path_factory.mktemp("content"), {"practices/tiny.yaml": TINY_PRACTICE})
    return load_catalogue(root)


def _watch(port: int, topic: str) -> Watcher:
    return Watcher(port, [topic]).start()


def test_a_retained_command_is_ignored_at_every_connect(
    broker: Broker, small: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    """A retained "start" used to start a practice at each boot and each reconnect."""
    caplog.set_level(logging.INFO)
    config = MqttConfig(host=HOST, port=broker.port, device_id=f"t{uuid.uuid4().hex[:8]}")
    topic = f"kindly/{config.device_id}/command"
    watcher = _watch(broker.port, f"kindly/{config.device_id}/#")
    commands: list[Command] = []
    bridge = bridge_for(config, small)
    bridge.on_command = commands.append
    try:
        watcher.publish(topic, json.dumps({"action": "start", "practice": "tiny"}), retain=True)
        for _ in range(2):  # a boot, then a reconnect: both see the retained message
            bridge.start()
            _wait(lambda: bool(_logged(caplog, "retained command")), "the retained command")
            caplog.clear()
            bridge.stop()
        bridge = bridge_for(config, small)
        bridge.on_command = commands.append
        bridge.start()
        assert bridge.wait_ready(15)
        watcher.publish(topic, json.dumps({"action": "stop"}))  # a live command still works
        _wait(lambda: bool(commands), "the live command")
        assert commands == [Command("stop")]
    finally:
        bridge.stop()
        watcher.publish(topic, b"", retain=True)  # clear it
        watcher.close()


def _logged(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


def _wait(done: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.02)


def test_a_publish_the_broker_denies_is_reported(
    tmp_path: Path, small: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    """With MQTT 5 the broker's acknowledgement says "not authorised"; Kindly used to log
    only "connected" while nothing it sent arrived."""
    find_mosquitto()
    require_system("mosquitto")
    caplog.set_level(logging.INFO)
    with AclBroker(tmp_path / "acl") as acl, kindly_bridge(small, acl.port) as k:
        deadline = time.monotonic() + 10
        while not [r for r in caplog.records if "refused Kindly's message" in r.getMessage()]:
            assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
            time.sleep(0.02)
        denied = [r for r in caplog.records if "refused Kindly's message" in r.getMessage()]
        assert denied[0].levelno == logging.ERROR
        message = denied[0].getMessage()
        assert f"on {k.base}/availability (Not authorized)" in message
        assert "anonymous publish under kindly/" in message


def test_a_flood_of_bad_commands_does_not_flood_the_log(broker: Broker, tmp_path: Path) -> None:
    """10,000 bad commands used to log 10,000 warnings; the journal filled."""
    device = f"flood{uuid.uuid4().hex[:6]}"
    base = f"kindly/{device}"
    watcher = _watch(broker.port, f"{base}/#")
    command = [sys.executable, "-m", "skill", "run", "--text", "--fast"]
    command += ["--mqtt", f"{HOST}:{broker.port}", "--device-id", device]
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(tmp_path),
        cwd=tmp_path,
    )
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        watcher.wait_for(
            lambda m: m.topic == f"{base}/availability" and m.payload == b"online", timeout=600
        )
        for n in range(FLOOD):
            info = watcher.client.publish(f"{base}/command", b"{not json %d" % n, qos=0)
            if n % 500 == 0:
                info.wait_for_publish(10)
        # A good command after the flood: when it has an effect, the flood was read.
        mark = watcher.mark()
        watcher.publish(f"{base}/command", json.dumps({"action": "listen"}))
        watcher.wait_for(lambda m: m.topic == f"{base}/state", timeout=60, after=mark)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(30)
        finally:
            proc.kill()
            watcher.close()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert TRACEBACK not in err
    ignored = [line for line in err.splitlines() if "ignored a command" in line]
    assert 1 <= len(ignored) <= 10, len(ignored)
    held_back = [line for line in err.splitlines() if "more like this were not logged" in line]
    assert not held_back or "ignored a command" in held_back[0]
    assert Config().mqtt.base_topic == "kindly"
