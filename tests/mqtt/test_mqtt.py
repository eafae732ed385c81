"""The MQTT bridge against real Mosquitto brokers on loopback, driving a real Loop + Session
with the silent Clock player. Every wait has a timeout; no test asserts a speed (that is
benchmarks/mqtt.py)."""

from __future__ import annotations

import io
import json
import logging
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from skill.__main__ import main
from skill.app.loop import Clock, Loop
from skill.cli import common as cli
from skill.config import Config, MqttConfig
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.core.events import Command, Output, PublishEvent, PublishState, Speak
from skill.core.session import Session
from skill.errors import MqttError
from skill.mqtt.bridge import MqttBridge, bridge_for
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import safety_check
from tests.brokers import (
    HOST,
    Broker,
    Proxy,
    Received,
    Watcher,
    find_mosquitto,
    free_port,
    make_tls_files,
)
from tests.conftest import ROOT, require_system
from tests.contentkit import TINY_PRACTICE, make_content

GOOD_PASSWORD = "right-Horse-7"
WRONG_PASSWORD = "wrong-Secret-42"
LONG = """
id: long
kind: practice
title: Long practice
minutes: 1
sentences: ["long practice"]
steps:
  - say: Say stop any time.
  - pause: 60
  - end: Goodbye.
"""
STEADY = """
id: steady
kind: practice
title: Steady practice
minutes: 1
sentences: ["steady practice"]
steps:
  - say: Say stop any time.
  - pause: 2
  - say: Still here.
  - pause: 60
  - end: Goodbye.
"""


def _need_mosquitto() -> None:
    find_mosquitto()
    require_system("mosquitto", "mosquitto_passwd")


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    _need_mosquitto()
    broker = Broker(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def auth_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    _need_mosquitto()
    workdir = tmp_path_factory.mktemp("mosquitto-auth")
    broker = Broker(workdir, users={"kindly": GOOD_PASSWORD}).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    _need_mosquitto()
    require_system("openssl")
    workdir = tmp_path_factory.mktemp("mosquitto-tls")
    broker = Broker(workdir, tls=make_tls_files(workdir / "tls")).start()
    yield broker
    broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker of the test's own, not started: to start late, stop and restart."""
    _need_mosquitto()
    broker = Broker(tmp_path / "own")
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = make_content(
        tmp_path_factory.mktemp("content"),
        {
            "practices/long.yaml": LONG,
            "practices/steady.yaml": STEADY,
            "practices/tiny.yaml": TINY_PRACTICE,
        },
    )
    return load_catalogue(root)


@pytest.fixture
def watchers() -> Iterator[list[Watcher]]:
    made: list[Watcher] = []
    yield made
    for watcher in made:
        watcher.close()


def watch(watchers: list[Watcher], port: int, *topics: str, **auth: str) -> Watcher:
    watcher = Watcher(port, topics or ("#",), **auth).start()
    watchers.append(watcher)
    return watcher


@dataclass
class Kindly:
    """A running loop + session + bridge, and what the loop published and played."""

    loop: Loop
    bridge: MqttBridge
    published: list[PublishState | PublishEvent] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.bridge.topics.base

    def command(self, watcher: Watcher, **payload: object) -> None:
        watcher.publish(f"{self.base}/command", json.dumps(payload))

    def wait_published(self, item: PublishState | PublishEvent, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while item not in self.published:
            assert time.monotonic() < deadline, f"{item} never published: {self.published}"
            time.sleep(0.01)


@contextmanager
def kindly(
    catalogue: Catalogue,
    port: int,
    *,
    fast: bool = False,
    request_timeout: float = 8.0,
    ready: bool = True,
    **mqtt: object,
) -> Iterator[Kindly]:
    config = MqttConfig(host=HOST, port=port, device_id=f"t{uuid.uuid4().hex[:8]}", **mqtt)  # type: ignore[arg-type]
    session = Session(
        catalogue, safety_check(catalogue).response("uk"), request_timeout=request_timeout
    )
    loop = Loop(session, IntentMatcher(catalogue), Clock(fast=fast))
    running = Kindly(loop, bridge_for(config, catalogue))
    loop.on_output = running.outputs.append
    loop.publishers.append(running.published.append)  # what the loop publishes, in order
    running.bridge.attach(loop)
    thread = threading.Thread(target=loop.run, name="loop", daemon=True)
    thread.start()
    running.bridge.start()  # never blocks: test_unreachable_broker_never_blocks_the_text_loop
    try:
        if ready:
            assert running.bridge.wait_ready(15), "Kindly did not connect"
        yield running
    finally:
        loop.shutdown()
        thread.join(10)
        running.bridge.stop()
        assert not thread.is_alive()


Predicate = Callable[[Received], bool]


def is_(topic: str, **fields: object) -> Predicate:
    """A predicate: a message on `topic` whose JSON has these fields."""

    def check(message: Received) -> bool:
        if message.topic != topic:
            return False
        data = message.json()
        return all(data.get(k) == v for k, v in fields.items())

    return check


def state(
    kindly: Kindly, state: str, practice: str | None = None, step: int | None = None
) -> Predicate:
    return is_(f"{kindly.base}/state", state=state, practice=practice, step=step)


def event(kindly: Kindly, type: str, practice: str | None = None) -> Predicate:
    return is_(f"{kindly.base}/event", type=type, practice=practice)


def records(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


def wait_records(
    caplog: pytest.LogCaptureFixture, text: str, count: int, timeout: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout
    while len(records(caplog, text)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} log lines with {text!r}"
        time.sleep(0.02)


pytestmark = pytest.mark.system


# -- commands, state, events --------------------------------------------------------------------


def test_commands_start_pause_resume_and_stop_a_practice(
    broker: Broker, small: Catalogue, watchers: list[Watcher]
) -> None:
    with kindly(small, broker.port) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        w.wait_for(lambda m: m.topic == f"{k.base}/availability" and m.payload == b"online")
        w.wait_for(state(k, "idle"))
        mark = w.mark()
        k.command(w, action="start", practice="long")
        w.wait_for(event(k, "practice_started", "long"), after=mark)
        w.wait_for(state(k, "guiding", "long", 2), after=mark)  # the pause after the first line
        for action, expected in (("pause", "paused"), ("resume", "guiding")):
            before = w.mark()
            k.command(w, action=action)
            w.wait_for(state(k, expected, "long", 2), after=before)
        before = w.mark()
        k.command(w, action="stop")
        w.wait_for(event(k, "practice_stopped", "long"), after=before)
        w.wait_for(state(k, "idle"), after=before)
        time.sleep(0.2)
        received = w.since(mark)

    # What arrived is exactly what the loop published, in order, in the documented shapes.
    states = [m.json() for m in received if m.topic.endswith("/state")]
    events = [m.json() for m in received if m.topic.endswith("/event")]
    published_states = [p.to_json() for p in k.published if isinstance(p, PublishState)]
    assert states == published_states[-len(states) :]
    assert [s["state"] for s in states] == ["guiding", "guiding", "paused", "guiding", "idle"]
    assert events == [
        {"type": "practice_started", "practice": "long"},
        {"type": "practice_stopped", "practice": "long"},
    ]
    assert all(set(s) == {"state", "practice", "step"} for s in states)
    assert not any(m.retain for m in received)  # live copies; the broker keeps the retained


def test_state_and_availability_are_retained(
    broker: Broker, small: Catalogue, watchers: list[Watcher]
) -> None:
    with kindly(small, broker.port) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        k.command(w, action="start", practice="long")
        w.wait_for(state(k, "guiding", "long", 1))
        late = watch(watchers, broker.port, f"{k.base}/#")
        avail = late.wait_for(lambda m: m.topic.endswith("/availability"))
        assert (avail.payload, avail.retain) == (b"online", True)
        now = late.wait_for(lambda m: m.topic.endswith("/state"))
        assert now.retain and now.json()["state"] == "guiding"
    gone = watch(watchers, broker.port, f"{k.base}/availability")
    message = gone.wait_for(lambda m: True)
    assert (message.payload, message.retain) == (b"offline", True)  # stop() says so


def test_ask_first_offers_and_starts_only_on_yes(
    broker: Broker, catalogue: Catalogue, watchers: list[Watcher]
) -> None:
    with kindly(catalogue, broker.port) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        mark = w.mark()
        k.command(w, action="start", practice="bedtime_reflection", ask_first=True)
        w.wait_for(state(k, "listening"), after=mark)
        offer = catalogue.practices["bedtime_reflection"].offer
        assert offer == "Would you like your bedtime reflection now?"
        assert any(isinstance(o, Speak) and o.text == offer for o in k.outputs)
        assert not any(m.topic.endswith("/event") for m in w.since(mark))
        k.loop.put_text("yes please")
        w.wait_for(event(k, "practice_started", "bedtime_reflection"), after=mark)
        w.wait_for(state(k, "guiding", "bedtime_reflection", 1), after=mark)


def test_ask_first_without_an_answer_does_nothing(
    broker: Broker, catalogue: Catalogue, watchers: list[Watcher]
) -> None:
    with kindly(catalogue, broker.port, request_timeout=0.3) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        mark = w.mark()
        k.command(w, action="start", practice="bedtime_reflection", ask_first=True)
        w.wait_for(state(k, "listening"), after=mark)
        w.wait_for(state(k, "idle"), after=mark, timeout=15)
        time.sleep(0.3)
        assert not [m for m in w.since(mark) if m.topic.endswith("/event")]
        assert k.loop.session.practice is None


def test_listen_acts_like_the_wake_phrase(
    broker: Broker, small: Catalogue, watchers: list[Watcher]
) -> None:
    with kindly(small, broker.port) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        mark = w.mark()
        k.command(w, action="listen")
        w.wait_for(event(k, "wake"), after=mark)
        w.wait_for(state(k, "listening"), after=mark)
        k.loop.put_text("tiny practice")
        w.wait_for(event(k, "practice_started", "tiny"), after=mark)


def test_nothing_private_goes_over_mqtt(
    broker: Broker, catalogue: Catalogue, watchers: list[Watcher]
) -> None:
    """No transcript, and a crisis response shows only as state idle."""
    with kindly(catalogue, broker.port) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        mark = w.mark()
        k.loop.put_text("what's the capital of France")
        not_understood = w.wait_for(event(k, "not_understood"), after=mark)
        assert not_understood.json() == {"type": "not_understood", "practice": None}
        k.command(w, action="start", practice="self_compassion_break")
        w.wait_for(state(k, "guiding", "self_compassion_break", 1), after=mark)
        crisis_mark = w.mark()
        k.loop.put_text("I don't want to be alive anymore")
        first_line = k.loop.session.crisis.lines[0]
        deadline = time.monotonic() + 10
        while not any(isinstance(o, Speak) and o.text == first_line for o in k.outputs):
            assert time.monotonic() < deadline, "no crisis response"
            time.sleep(0.02)
        time.sleep(0.5)
        after_crisis = w.since(crisis_mark)
        everything = w.since(0)
    assert [(m.topic, m.json()) for m in after_crisis] == [
        (f"{k.base}/state", {"state": "idle", "practice": None, "step": None})
    ]
    text = b" ".join(m.payload for m in everything).lower()
    for private in (b"france", b"alive", b"116", b"crisis", b"safety", b"samaritans"):
        assert private not in text


# -- discovery -----------------------------------------------------------------------------------


def test_discovery_configs_are_retained_valid_and_unique(
    broker: Broker, catalogue: Catalogue, watchers: list[Watcher]
) -> None:
    with kindly(catalogue, broker.port) as k:
        w = watch(watchers, broker.port, k.bridge.topics.discovery_filter)
        expected = {m.topic for m in k.bridge.discovery}
        assert len(expected) == len(catalogue.practices) + 6
        deadline = time.monotonic() + 10
        while {m.topic for m in w.since(0)} != expected:
            assert time.monotonic() < deadline, "discovery configs missing"
            time.sleep(0.02)
        configs = [m.json() for m in w.since(0)]
        assert all(m.retain for m in w.since(0))
        assert len({c["unique_id"] for c in configs}) == len(configs)
        assert all(c["availability_topic"] == k.bridge.topics.availability for c in configs)


def test_home_assistant_restart_gets_discovery_again(
    broker: Broker, small: Catalogue, watchers: list[Watcher]
) -> None:
    with kindly(small, broker.port) as k:
        w = watch(watchers, broker.port, k.bridge.topics.discovery_filter, f"{k.base}/state")
        w.wait_for(lambda m: m.topic.endswith("/config"))
        time.sleep(0.3)
        mark = w.mark()
        w.publish("homeassistant/status", "offline")
        time.sleep(0.3)
        assert w.since(mark) == []
        w.publish("homeassistant/status", "online")
        expected = {m.topic for m in k.bridge.discovery}
        deadline = time.monotonic() + 10
        while {m.topic for m in w.since(mark) if m.topic.endswith("/config")} != expected:
            assert time.monotonic() < deadline, "discovery not announced again"
            time.sleep(0.02)
        w.wait_for(lambda m: m.topic.endswith("/state"), after=mark)


def test_forget_removes_every_discovery_config(
    broker: Broker, small: Catalogue, watchers: list[Watcher], capsys: pytest.CaptureFixture[str]
) -> None:
    with kindly(small, broker.port) as k:
        device = k.bridge.config.device_id
        announced = {m.topic for m in k.bridge.discovery}
    w = watch(watchers, broker.port)
    stale = f"homeassistant/button/kindly_{device}/start_removed_practice/config"
    w.publish(stale, '{"name": "old"}', retain=True)
    code = main(["mqtt", "forget", "--mqtt", f"{HOST}:{broker.port}", "--device-id", device])
    assert code == 0
    out = capsys.readouterr().out
    check = watch(watchers, broker.port, f"homeassistant/+/kindly_{device}/+/config")
    time.sleep(0.5)
    assert [m.topic for m in check.since(0) if m.payload] == []
    cleared = {line.split()[1] for line in out.splitlines() if line.startswith("cleared ")}
    # Kindly ran with another catalogue than the CLI's: its buttons were found on the broker,
    # like the stale config of a practice that no longer exists.
    assert announced | {stale} <= cleared


def test_forget_without_a_broker_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mqtt", "forget"]) == 2
    assert "no MQTT broker configured" in capsys.readouterr().err


# -- bad payloads and callback errors -------------------------------------------------------------

BAD_PAYLOADS = [
    pytest.param(b"start the bedtime reflection", "not JSON", id="not-json"),
    pytest.param(b'{"action": "start", "practice": "juggling"}', "unknown practice", id="unknown"),
    pytest.param(bytes(range(256)) * 4096, "too large", id="1MB-junk"),
    pytest.param(b'{"action": "stop", "x": "\xff\xfe"}', "not UTF-8", id="invalid-utf8"),
    pytest.param(b'["stop"]', "not a JSON object", id="json-list"),
    pytest.param(b'{"action": "dance"}', "unknown action", id="unknown-action"),
    pytest.param(b"", "not JSON", id="empty"),
]


def test_bad_payloads_are_logged_and_ignored(
    broker: Broker, small: Catalogue, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with kindly(small, broker.port) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        before = list(k.published)
        for n, param in enumerate(BAD_PAYLOADS, start=1):
            payload, why = param.values
            assert isinstance(payload, bytes) and isinstance(why, str)
            w.publish(f"{k.base}/command", payload)
            wait_records(caplog, "ignored a command", n)
            assert why in records(caplog, "ignored a command")[-1].getMessage()
        assert len(bytes(range(256)) * 4096) == 1024 * 1024
        assert k.published == before  # nothing happened
        mark = w.mark()
        k.command(w, action="start", practice="tiny")
        w.wait_for(event(k, "practice_started", "tiny"), after=mark)
    for record in caplog.records:  # a payload is never logged
        assert len(record.getMessage()) < 400
        assert "bedtime reflection" not in record.getMessage()


def test_a_failing_callback_is_logged_and_the_network_thread_goes_on(
    broker: Broker, small: Catalogue, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    with kindly(small, broker.port) as k:
        w = watch(watchers, broker.port, f"{k.base}/#")
        calls: list[Command] = []

        def flaky(command: Command) -> None:
            calls.append(command)
            if len(calls) == 1:
                raise RuntimeError("boom")
            k.loop.put(command)

        k.bridge.on_command = flaky
        k.command(w, action="listen")
        wait_records(caplog, "message handler failed", 1)
        mark = w.mark()
        k.command(w, action="start", practice="tiny")
        w.wait_for(event(k, "practice_started", "tiny"), after=mark)


# -- broker down, restarted, unreachable, refusing ------------------------------------------


def test_broker_down_at_start_then_it_appears(
    own_broker: Broker, small: Catalogue, watchers: list[Watcher], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with kindly(small, own_broker.port, ready=False) as k:
        k.loop.put(Command("start", "long"))
        k.wait_published(PublishState("guiding", "long", 2))  # Kindly runs without a broker
        wait_records(caplog, "cannot reach broker", 1)
        assert not k.bridge.connected
        own_broker.start()
        assert k.bridge.wait_ready(35)
        w = watch(watchers, own_broker.port, f"{k.base}/#")
        w.wait_for(lambda m: m.topic.endswith("/availability") and m.payload == b"online")
        now = w.wait_for(lambda m: m.topic.endswith("/state"))
        assert now.retain and now.json()["practice"] == "long"  # the current state, at once
        mark = w.mark()
        k.command(w, action="stop")
        w.wait_for(event(k, "practice_stopped", "long"), after=mark)
    warnings = [r for r in records(caplog, "cannot reach broker") if r.levelno >= logging.WARNING]
    assert len(warnings) == 1  # said once, repeats only at debug level


def test_broker_restart_mid_practice(
    own_broker: Broker, small: Catalogue, watchers: list[Watcher]
) -> None:
    """What a subscriber sees: `online` before; during the outage nothing (a broker that is
    down cannot deliver the will, and a restarted broker without persistence has forgotten
    every retained message); then `online` and the current state again, retained, once
    Kindly has reconnected. The practice goes on throughout; commands work again."""
    own_broker.start()
    with kindly(small, own_broker.port) as k:
        w = watch(watchers, own_broker.port, f"{k.base}/#")
        k.command(w, action="start", practice="steady")
        w.wait_for(event(k, "practice_started", "steady"))
        own_broker.stop()
        k.wait_published(PublishState("guiding", "steady", 2))  # published while down: dropped
        time.sleep(0.5)
        own_broker.start()
        assert k.bridge.wait_ready(35)
        assert k.bridge.connects == 2
        mark = w.mark()
        w.wait_for(lambda m: m.topic.endswith("/availability") and m.payload == b"online")

        def went_on(m: Received) -> bool:  # past the step it was on when the broker went
            return m.topic.endswith("/state") and (m.json().get("step") or 0) >= 3

        assert w.wait_for(went_on, timeout=15).json()["practice"] == "steady"
        stopped = [
            p for p in k.published if isinstance(p, PublishEvent) and p.type != "practice_started"
        ]
        assert stopped == []
        k.command(w, action="stop")
        w.wait_for(event(k, "practice_stopped", "steady"), after=mark)


def test_lost_connection_publishes_the_will_then_online_again(
    broker: Broker, small: Catalogue, watchers: list[Watcher]
) -> None:
    """A dropped connection (no DISCONNECT) while the broker stays up: the broker publishes
    the retained last will `offline`; after reconnecting Kindly says `online` again."""
    proxy = Proxy(broker.port).resume()
    try:
        with kindly(small, proxy.port) as k:
            w = watch(watchers, broker.port, f"{k.base}/#")
            w.wait_for(lambda m: m.topic.endswith("/availability") and m.payload == b"online")
            mark = w.mark()
            proxy.cut()
            w.wait_for(
                lambda m: m.topic.endswith("/availability") and m.payload == b"offline", after=mark
            )
            late = watch(watchers, broker.port, f"{k.base}/availability")
            will = late.wait_for(lambda m: True)
            assert (will.payload, will.retain) == (b"offline", True)
            k.loop.put(Command("start", "long"))  # the loop carries on meanwhile
            k.wait_published(PublishEvent("practice_started", "long"))
            proxy.resume()
            w.wait_for(
                lambda m: m.topic.endswith("/availability") and m.payload == b"online",
                after=mark,
                timeout=35,
            )
            assert k.bridge.wait_ready(10)
            k.command(w, action="stop")
            w.wait_for(event(k, "practice_stopped", "long"), after=mark)
    finally:
        proxy.cut()


def test_wrong_password_one_clear_log_line_and_the_loop_goes_on(
    auth_broker: Broker, small: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with kindly(
        small, auth_broker.port, fast=True, ready=False, username="kindly", password=WRONG_PASSWORD
    ) as k:
        k.loop.put(Command("start", "tiny"))
        k.wait_published(PublishEvent("practice_finished", "tiny"))
        wait_records(caplog, "refused the login", 2, timeout=15)  # tried again, quietly
        assert not k.bridge.connected
    loud = [r for r in records(caplog, "refused the login") if r.levelno >= logging.WARNING]
    assert len(loud) == 1
    assert "'kindly'" in loud[0].getMessage() and "mqtt.password" in loud[0].getMessage()
    for record in caplog.records:
        assert WRONG_PASSWORD not in record.getMessage()
        assert WRONG_PASSWORD not in str(record.args)


def test_right_password_connects(auth_broker: Broker, small: Catalogue) -> None:
    with kindly(small, auth_broker.port, username="kindly", password=GOOD_PASSWORD) as k:
        assert k.bridge.connected


def test_tls_checks_certificates_unless_told_not_to(
    tls_broker: Broker, small: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    assert tls_broker.tls is not None
    with kindly(small, tls_broker.port, tls=True, ca_file=str(tls_broker.tls.ca)) as k:
        assert k.bridge.connected
    with kindly(small, tls_broker.port, ready=False, tls=True) as k:  # system CAs only
        wait_records(caplog, "CERTIFICATE_VERIFY_FAILED", 1)
        assert not k.bridge.connected
        k.loop.put(Command("start", "tiny"))
        k.wait_published(PublishEvent("practice_started", "tiny"))
    assert not records(caplog, "certificate checking is OFF")
    with kindly(small, tls_broker.port, tls=True, tls_insecure=True) as k:
        assert k.bridge.connected
    assert records(caplog, "certificate checking is OFF")


def test_unreachable_broker_never_blocks_the_text_loop() -> None:
    """The session runs and ends while the broker is never reached (no wall-clock bound:
    a blocking connect would never let the loop end, and the join would time out)."""
    config = Config(mqtt=MqttConfig(host=HOST, port=free_port(), device_id="nobroker"))
    out = io.StringIO()
    codes: list[int] = []

    def run() -> None:
        source = io.StringIO("I messed up\n")
        codes.append(cli.cmd_run_text(config, fast=True, mute=True, source=source, out=out))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(600)
    assert codes == [0]
    assert "Kindly:" in out.getvalue()


def test_missing_ca_file_is_a_config_error() -> None:
    with pytest.raises(MqttError, match="ca_file"):
        MqttBridge(
            MqttConfig(host=HOST, tls=True, ca_file="/nonexistent/ca.pem", device_id="x"), []
        )


# -- the command line ----------------------------------------------------------------------------


def test_kindly_run_with_mqtt_and_a_killed_process_leaves_offline(
    broker: Broker, watchers: list[Watcher]
) -> None:
    device = f"cli{uuid.uuid4().hex[:6]}"
    w = watch(watchers, broker.port, f"kindly/{device}/#")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skill",
            "run",
            "--text",
            "--mute",
            "--mqtt",
            f"{HOST}:{broker.port}",
            "--device-id",
            device,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    lines: queue.Queue[bytes] = queue.Queue()

    def read() -> None:
        for line in proc.stdout or []:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        w.wait_for(
            lambda m: m.topic.endswith("/availability") and m.payload == b"online", timeout=20
        )
        w.publish(
            f"kindly/{device}/command", json.dumps({"action": "start", "practice": "take_a_break"})
        )
        w.wait_for(lambda m: m.topic.endswith("/event") and b"practice_started" in m.payload)
        assert b"Kindly:" in lines.get(timeout=10)
        mark = w.mark()
        proc.kill()
        proc.wait(10)
        will = w.wait_for(lambda m: m.topic.endswith("/availability"), after=mark)
        assert will.payload == b"offline"
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdin:
            proc.stdin.close()
    assert proc.stderr is not None
    assert b"MQTT: connected" in proc.stderr.read()
