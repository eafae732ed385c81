"""Real Mosquitto brokers on loopback, a watching client and a cuttable TCP proxy, for the
MQTT tests and benchmarks. Every wait has a timeout; everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

HOST = "127.0.0.1"
_SBIN = ("/usr/sbin", "/usr/local/sbin")  # Debian puts mosquitto here, off a user's PATH


def find_mosquitto() -> str | None:
    """The mosquitto binary; adds its sbin folder to PATH so `require_system` finds it."""
    found = shutil.which("mosquitto")
    if found:
        return found
    for folder in _SBIN:
        if Path(folder, "mosquitto").exists():
            os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + folder
            return str(Path(folder, "mosquitto"))
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
        return True
    return False


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


def make_tls_files(folder: Path) -> TlsFiles:
    """A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    files = TlsFiles(folder / "ca.crt", folder / "server.crt", folder / "server.key")
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    ca_subject = ["-subj", "/CN=Kindly test CA"]
    sign = ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-extfile", "ext.cnf"]
    commands = [
        ["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", *ca_subject],
        ["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "server.csr", *sign, "-out", "server.crt", "-days", "2"],
    ]
    for command in commands:
        subprocess.run(
            ["openssl", *command], cwd=folder, check=True, capture_output=True, timeout=30
        )
    return files


class Broker:
    """One mosquitto process: `listener PORT 127.0.0.1`, no persistence; anonymous unless
    `users` are given (then a password file made with mosquitto_passwd)."""

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        users: dict[str, str] | None = None,
        tls: TlsFiles | None = None,
        nodelay: bool = False,
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.users = users or {}
        self.tls = tls
        self.nodelay = nodelay  # mosquitto's set_tcp_nodelay (off by default)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"mosquitto-{self.port}.log"
        workdir.mkdir(parents=True, exist_ok=True)

    def _config(self) -> Path:
        lines = [f"listener {self.port} {HOST}", "persistence false", "log_dest stderr"]
        if self.nodelay:
            lines.append("set_tcp_nodelay true")
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to `mosquitto`, who cannot read tmp
        if self.users:
            passwords = self.workdir / f"passwords-{self.port}"
            passwords.unlink(missing_ok=True)
            for user, password in self.users.items():
                create = ["-c"] if not passwords.exists() else []
                subprocess.run(
                    ["mosquitto_passwd", *create, "-b", str(passwords), user, password],
                    check=True,
                    timeout=10,
                    capture_output=True,
                )
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if self.tls:
            lines += [
                f"cafile {self.tls.ca}",
                f"certfile {self.tls.cert}",
                f"keyfile {self.tls.key}",
            ]
        path = self.workdir / f"mosquitto-{self.port}.conf"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self, timeout: float = 10.0) -> Broker:
        binary = find_mosquitto()
        assert binary, "mosquitto is not installed"
        config = self._config()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [binary, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mosquitto did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the broker (SIGTERM; SIGKILL if it does not go)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)
        self.proc = None

    def __enter__(self) -> Broker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    at: float  # time.monotonic() on arrival

    def json(self) -> Any:
        import json

        return json.loads(self.payload)


class Watcher:
    """A plain MQTT client that records what it receives (subscribing again after every
    reconnect) and publishes like Home Assistant would."""

    def __init__(self, port: int, topics: Sequence[str] = ("#",), **auth: str) -> None:
        self.port = port
        self.topics = list(topics)
        self.messages: list[Received] = []
        self._cond = threading.Condition()
        self._ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        if auth:
            self.client.username_pw_set(auth["username"], auth["password"])
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *args: self._ready.set()
        self.client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        setsockopt = getattr(client.socket(), "setsockopt", None)
        if setsockopt is not None:  # no Nagle delay on our small packets
            setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.subscribe([(t, 1) for t in self.topics])

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append(
                Received(msg.topic, bytes(msg.payload), msg.retain, time.monotonic())
            )
            self._cond.notify_all()

    def start(self, timeout: float = 10.0) -> Watcher:
        self.client.connect_async(HOST, self.port, keepalive=10)
        self.client.loop_start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"watcher did not subscribe on port {self.port}")
        return self

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def mark(self) -> int:
        """A position in the messages: `wait_for(..., after=mark)` looks only past it."""
        with self._cond:
            return len(self.messages)

    def wait_for(
        self, predicate: Callable[[Received], bool], timeout: float = 10.0, after: int = 0
    ) -> Received:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.messages[after:]:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m.topic, m.payload[:80]) for m in self.messages[after:]]
                    raise TimeoutError(f"no such message in {timeout} s; saw {seen}")
                self._cond.wait(left)

    def since(self, after: int) -> list[Received]:
        with self._cond:
            return list(self.messages[after:])

    def publish(self, topic: str, payload: str | bytes, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(10.0)
        assert info.is_published(), f"publish to {topic} not confirmed"


class Proxy:
    """A TCP proxy on loopback in front of a broker. `cut()` drops every connection without
    an MQTT DISCONNECT (as a lost network would, so the broker sends the will) and refuses
    new ones until `resume()`."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def resume(self) -> Proxy:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((HOST, self.port))
        server.listen(8)
        self._server = server
        self._thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        self._thread.start()
        return self

    def _accept(self, server: socket.socket) -> None:
        server.settimeout(0.05)
        while self._server is server:
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by cut()
            client.settimeout(None)
            try:
                upstream = socket.create_connection((HOST, self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        server, self._server = self._server, None
        if self._thread is not None:
            self._thread.join(5)  # the accept loop sees `_server` changed and ends
        if server is not None:
            server.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@contextlib.contextmanager
def running(broker: Broker) -> Iterator[Broker]:
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
