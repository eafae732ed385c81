"""MQTT: how fast a state change reaches a subscriber, the command round trip, and how soon
Kindly is back (connected and re-subscribed) after a broker outage.

    python -m benchmarks.mqtt [--quick]

Everything runs against a real Mosquitto on a free 127.0.0.1 port, started here.
"State change → subscriber" runs from the moment the loop publishes a state (the session
changed) to its arrival at another client of the same broker; 100 changes, driven by
start/pause/resume/stop commands on a real Loop + Session (silent Clock player).
"Command → state" runs from a client publishing a command to that client receiving the
resulting state: with Mosquitto's defaults the broker's Nagle algorithm holds the state
behind its PUBACK to that client until the client's delayed ACK (~40 ms); the broker's
`set_tcp_nodelay true` removes that. Kindly itself sets TCP_NODELAY on its socket.
"Reconnect" is measured from the broker listening again to Kindly's
SUBACK (connected and subscribed), then one command is sent to prove the subscription
works. --quick skips the 45 s outage (which shows the 30 s backoff cap).
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._table import render as table
from skill.app.loop import Clock, Loop
from skill.config import MqttConfig
from skill.content.load import load_catalogue
from skill.core.events import Command, PublishEvent, PublishState
from skill.core.session import Session
from skill.mqtt.bridge import MqttBridge, bridge_for
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import safety_check
from tests.brokers import HOST, Broker, Received, Watcher, find_mosquitto

CHANGES = 100
OUTAGES = (1.0, 5.0, 20.0, 45.0)
PRACTICE = "self_compassion_break"  # its first line takes seconds: plenty for 4 commands
Row = tuple[str, str, str, str]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _is_state(expected: str) -> Callable[[Received], bool]:
    return lambda message: bool(message.json()["state"] == expected)


def _ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def latency(port: int, broker: str) -> list[Row]:
    catalogue = load_catalogue()
    session = Session(catalogue, safety_check(catalogue).response("us"))
    loop = Loop(session, IntentMatcher(catalogue), Clock())
    changed: list[tuple[float, dict[str, object]]] = []

    def record(action: PublishState | PublishEvent) -> None:
        if isinstance(action, PublishState):
            changed.append((time.monotonic(), action.to_json()))

    loop.publishers.append(record)  # before the bridge: the moment of the change
    bridge = bridge_for(MqttConfig(host=HOST, port=port, device_id="bench"), catalogue)
    bridge.attach(loop)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    bridge.start()
    watcher = Watcher(port, [bridge.topics.state]).start()  # sends the commands, like HA
    observer = Watcher(port, [bridge.topics.state]).start()  # only watches
    try:
        assert bridge.wait_ready(10), "Kindly did not connect"
        observer.wait_for(_is_state("idle"))
        first_change, first_arrival = len(changed), observer.mark()
        commands = [
            ({"action": "start", "practice": PRACTICE}, "guiding"),
            ({"action": "pause"}, "paused"),
            ({"action": "resume"}, "guiding"),
            ({"action": "stop"}, "idle"),
        ]
        round_trips: list[float] = []
        while len(changed) - first_change < CHANGES:
            for command, expected in commands:
                mark = watcher.mark()
                sent = time.monotonic()
                watcher.publish(bridge.topics.command, json.dumps(command))
                got = watcher.wait_for(_is_state(expected), after=mark)
                round_trips.append(got.at - sent)
        time.sleep(0.2)
        changes = changed[first_change:]
        arrivals = observer.since(first_arrival)
    finally:
        watcher.close()
        observer.close()
        loop.shutdown()
        thread.join(10)
        bridge.stop()
    assert [c for _, c in changes] == [a.json() for a in arrivals], "a state went missing"
    delays = [a.at - t for (t, _), a in zip(changes, arrivals, strict=True)]
    return [
        (
            f"state change → subscriber ({len(delays)} changes, {broker})",
            f"p50 {_ms(statistics.median(delays))}, p95 {_ms(_percentile(delays, 0.95))}",
            "p95 ≤ 100 ms",
            f"max {_ms(max(delays))}",
        ),
        (
            f"command → state at the sender ({len(round_trips)}, {broker})",
            f"p50 {_ms(statistics.median(round_trips))}, p95 {_ms(_percentile(round_trips, 0.95))}",
            "",
            "an HA button press until HA sees the state",
        ),
    ]


def _proved(bridge: MqttBridge, port: int, received: list[Command]) -> bool:
    """A command sent after the reconnect reaches Kindly (the subscription is back)."""
    before = len(received)
    watcher = Watcher(port, [bridge.topics.availability]).start()
    try:
        watcher.publish(bridge.topics.command, json.dumps({"action": "listen"}))
        deadline = time.monotonic() + 5
        while len(received) == before and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        watcher.close()
    return len(received) > before


def reconnects(workdir: Path, outages: tuple[float, ...]) -> list[Row]:
    broker = Broker(workdir)
    received: list[Command] = []
    config = MqttConfig(host=HOST, port=broker.port, device_id="bench-reconnect")
    bridge = MqttBridge(config, ["rain"], on_command=received.append)
    rows: list[Row] = []
    try:
        bridge.start()  # no broker yet
        time.sleep(3.0)
        broker.start()
        up = time.monotonic()
        ok = bridge.wait_ready(40)
        back = time.monotonic() - up
        proved = ok and _proved(bridge, broker.port, received)
        rows.append(_reconnect_row("broker absent at start, up after 3 s", back, ok, proved))
        for outage in outages:
            broker.stop()
            time.sleep(outage)
            broker.start()
            up = time.monotonic()
            ok = bridge.wait_ready(40)
            back = time.monotonic() - up
            proved = ok and _proved(bridge, broker.port, received)
            rows.append(_reconnect_row(f"broker down {outage:g} s", back, ok, proved))
    finally:
        bridge.stop()
        broker.stop()
    return rows


def _reconnect_row(label: str, seconds: float, ok: bool, proved: bool) -> Row:
    result = f"{seconds:.2f} s" if ok else "not back in 40 s"
    check = "command went through" if proved else "COMMAND LOST"
    return (f"reconnect + re-subscribe: {label}", result, "≤ 30 s", check)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if find_mosquitto() is None:
        print("skipped: mosquitto is not installed (apt-get install mosquitto)")
        return 0
    outages = OUTAGES[:-1] if "--quick" in argv else OUTAGES
    logging.getLogger("skill.mqtt.bridge").setLevel(logging.ERROR)  # the outages are on purpose
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kindly-bench-mqtt-") as tmp:
        for nodelay, name in ((False, "mosquitto defaults"), (True, "set_tcp_nodelay true")):
            broker = Broker(Path(tmp) / name.replace(" ", "-"), nodelay=nodelay).start()
            try:
                rows += latency(broker.port, name)
            finally:
                broker.stop()
        rows += reconnects(Path(tmp) / "reconnect", outages)
    print(table(("measure", "result", "target", "note"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
