"""Offline means offline: Kindly's speaking, its text loop and a voice session on real
(PulseAudio) devices open no network socket at all and write nothing outside its
documented folders.

Each command runs in a fresh network namespace whose only interface is loopback, with a
DNS catcher: the host's name servers (from /etc/resolv.conf) are put on loopback and a
listener on their port 53 (UDP and TCP) writes down every query that reaches it. Kindly
runs under strace (socket, connect and sendto only, with seccomp, so the audio threads
keep their timing), so any socket that could reach a network (AF_INET, AF_INET6,
AF_PACKET; DNS goes over these too), even one that fails, is seen. A self-check runs a
plain name lookup through the same harness, so the catcher is known to catch.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from skill.app.runtime import WELCOMED
from skill.content.load import load_catalogue
from tests.audio_fixtures import join, silence, speech
from tests.conftest import require_system
from tests.faults.kit import wait_for_text
from tests.pulse import Pulse

pytestmark = [pytest.mark.system, pytest.mark.audio]

# Any socket that could reach a network: IPv4/IPv6 (DNS goes over these too) or packet.
NETWORK_SOCKET = re.compile(r"socket\((AF_INET6?|AF_PACKET)\b|sa_family=AF_INET6?\b")

CATCHER = textwrap.dedent(
    """
    import socket, sys, threading
    log, ready, addresses = sys.argv[1], sys.argv[2], sys.argv[3:]
    lock = threading.Lock()

    def note(kind, data):
        with lock, open(log, "a") as out:
            out.write(f"{kind} {len(data)} bytes\\n")

    def udp(sock):
        while True:
            data, sender = sock.recvfrom(4096)
            note("udp", data)
            if len(data) > 12:  # REFUSED, so a lookup ends now rather than time out
                sock.sendto(data[:2] + b"\\x81\\x85" + data[4:6] + bytes(6) + data[12:], sender)

    def tcp(sock):
        while True:
            conn, _ = sock.accept()
            note("tcp", conn.recv(4096))
            conn.close()

    for address in addresses:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((address, 53))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((address, 53))
        t.listen()
        threading.Thread(target=udp, args=(u,), daemon=True).start()
        threading.Thread(target=tcp, args=(t,), daemon=True).start()
    open(ready, "w").close()
    threading.Event().wait()
    """
)


def _name_servers() -> list[str]:
    found = []
    for line in Path("/etc/resolv.conf").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "nameserver" and re.fullmatch(r"[\d.]+", parts[1]):
            found.append(parts[1])
    return found or ["127.0.0.53"]


class Offline:
    """A command in its own network namespace, with the DNS catcher and strace."""

    def __init__(self, tmp_path: Path, env: dict[str, str] | None = None) -> None:
        require_system("strace", "unshare", "ip")
        self.root = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir(exist_ok=True)
        (tmp_path / "tmp").mkdir(exist_ok=True)
        self.trace = tmp_path / "trace"
        self.queries = tmp_path / "dns-queries"
        self.env = {
            **os.environ,
            **(env or {}),
            "HOME": str(self.home),
            "TMPDIR": str(tmp_path / "tmp"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
        }
        for name in ("KINDLY_CACHE", "KINDLY_DATA", "KINDLY_CONFIG", "ORT_DISABLE_TELEMETRY"):
            self.env.pop(name, None)  # Kindly must protect itself, not rely on the caller

    def command(self, program: list[str]) -> list[str]:
        catcher = self.root / "catcher.py"
        catcher.write_text(CATCHER, encoding="utf-8")
        ready = self.root / "catcher-ready"
        servers = _name_servers()
        script = "set -e; ip link set lo up\n"
        script += "".join(f"ip addr add {s}/32 dev lo 2>/dev/null || true\n" for s in servers)
        # In a subshell, so it is nobody's child here: strace waits for its own children.
        script += f'("{sys.executable}" {catcher} {self.queries} {ready} {" ".join(servers)} '
        script += "</dev/null >/dev/null 2>&1 &)\n"
        script += f"for i in $(seq 100); do [ -e {ready} ] && break; sleep 0.1; done\n"
        script += f"[ -e {ready} ]\n"
        strace = ["strace", "-f", "-qq", "--seccomp-bpf", "-o", str(self.trace)]
        strace += ["-e", "trace=socket,connect,sendto"]  # a network send needs a socket first
        script += 'exec "$@"\n'
        return ["unshare", "--net", "sh", "-c", script, "offline", *strace, *program]

    def network(self) -> list[str]:
        """Every traced system call that touched a network socket."""
        trace = self.trace.read_text(encoding="utf-8", errors="replace")
        return [line for line in trace.splitlines() if NETWORK_SOCKET.search(line)]

    def dns_queries(self) -> list[str]:
        if not self.queries.exists():
            return []
        return self.queries.read_text(encoding="utf-8").splitlines()

    def files(self) -> list[Path]:
        return [p for p in self.home.rglob("*") if p.is_file()]

    def stray(self, allowed: tuple[str, ...] = ()) -> list[str]:
        found = [str(p.relative_to(self.home)) for p in self.files() if not self.documented(p)]
        return [path for path in found if path not in allowed]

    def documented(self, path: Path) -> bool:
        """Kindly's own folders (README: what Kindly stores)."""
        rel = path.relative_to(self.home).parts
        return rel[:3] == (".local", "share", "kindly") or rel[:2] in (
            (".cache", "kindly"),
            (".config", "kindly"),
        )

    def microsoft(self) -> list[str]:
        """Any `Microsoft` folder (onnxruntime's telemetry store) under the test's root."""
        return [str(p) for p in self.root.rglob("*") if p.is_dir() and p.name == "Microsoft"]

    def stop_catcher(self) -> None:
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if str(self.root / "catcher.py").encode() in cmdline:
                os.kill(int(proc.name), signal.SIGKILL)


def _run(offline: Offline, args: list[str], stdin: str = "") -> None:
    program = [sys.executable, "-m", "skill", *args]
    try:
        proc = subprocess.run(
            offline.command(program),
            input=stdin,
            check=False,
            capture_output=True,
            text=True,
            env=offline.env,
            timeout=600,
            cwd=offline.root,
        )
    finally:
        offline.stop_catcher()
    assert proc.returncode == 0, proc.stderr[-2000:]


def _check(offline: Offline, allowed: tuple[str, ...] = ()) -> None:
    attempts = offline.network()
    assert attempts == [], "network access: " + "\n".join(attempts[:5])
    assert offline.dns_queries() == [], "DNS queries reached the catcher"
    stray = offline.stray(allowed)
    assert stray == [], f"files outside Kindly's folders: {stray}"
    assert offline.microsoft() == []
    assert any(offline.documented(p) for p in offline.files()), "it wrote its speech cache"


def test_the_catcher_catches_a_name_lookup(tmp_path: Path) -> None:
    offline = Offline(tmp_path)
    lookup = "import socket\ntry: socket.getaddrinfo('example.com', 443)\nexcept OSError: pass"
    try:
        proc = subprocess.run(
            offline.command([sys.executable, "-c", lookup]),
            check=False,
            capture_output=True,
            text=True,
            env=offline.env,
            timeout=120,
        )
    finally:
        offline.stop_catcher()
    assert proc.returncode == 0, proc.stderr
    assert offline.network(), "strace saw no socket"
    assert offline.dns_queries(), "the catcher saw no query"


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["say", "You are not alone in this.", "--out", "line.wav"], ""),
        (["practice", "take_a_break", "--out", "practice.wav"], ""),
        (["run", "--text", "--fast"], "help me take a break\nstop\nI want to die\n"),
    ],
    ids=["say", "practice", "run"],
)
def test_no_network_and_no_stray_files(args: list[str], stdin: str, tmp_path: Path) -> None:
    offline = Offline(tmp_path)
    _run(offline, args, stdin)
    _check(offline)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _kindly_pid(pid: int) -> int | None:
    """The `python -m skill` process under unshare → strace."""
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            cmdline = Path(f"/proc/{current}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"skill" in cmdline and cmdline[0] == sys.executable.encode():
            return current
        todo += _children(current)
    return None


def test_a_voice_session_on_real_devices_stays_offline(pulse: Pulse, tmp_path: Path) -> None:
    """`kindly run` as a user starts it: microphone and speaker (PulseAudio), a button
    press (push-to-talk; the wake phrase itself is tested in test_live), a spoken request,
    the practice spoken, the speech cache filling in the background (Piper, so
    onnxruntime), then SIGINT, as the systemd unit stops it."""
    offline = Offline(tmp_path)
    practice = load_catalogue().practices["self_compassion_break"]
    first_line = practice.steps[0].text  # type: ignore[union-attr]
    config = offline.home / ".config" / "kindly" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f"audio: {{mic: {pulse.mic}, speaker: {pulse.speaker}}}\n"
        "hearing: {engine: pocketsphinx}\n",
        encoding="utf-8",
    )
    welcomed = offline.home / ".local" / "share" / "kindly" / WELCOMED
    welcomed.parent.mkdir(parents=True)
    welcomed.touch()  # not the first run: no welcome over the request
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    program = [sys.executable, "-m", "skill", "run", "--push-to-talk"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            offline.command(program),
            stdin=subprocess.PIPE,
            stdout=stdout,
            stderr=stderr,
            env=offline.env,
            cwd=tmp_path,
        )
    try:
        assert wait_for_text(err, "ready:", 240), err.read_text()[-2000:]
        recorded: list[np.ndarray] = []
        recorder = threading.Thread(target=lambda: recorded.append(pulse.record_speaker(60.0)))
        recorder.start()
        time.sleep(0.5)
        request = join(speech("I messed up"), silence(1.2))
        assert proc.stdin is not None
        for _ in range(2):  # as a person would, say it again if it was not heard
            proc.stdin.write(b"\n")  # the button
            proc.stdin.flush()
            time.sleep(1.0)
            pulse.play_into_mic(request)
            if wait_for_text(out, f"Kindly: {first_line}", 45):
                break
        assert f"Kindly: {first_line}" in out.read_text(), out.read_text()
        recorder.join(60)
        assert recorded and float(np.abs(recorded[0]).max()) > 1000, "Kindly said nothing"
        kindly = _kindly_pid(proc.pid)
        assert kindly is not None
        os.kill(kindly, signal.SIGINT)
        assert proc.wait(60) == 0, err.read_text()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        offline.stop_catcher()
    assert "Traceback" not in err.read_text()
    # The sound system's own client library (libpulse) writes its random login cookie on a
    # first connection, as for any program that plays sound; nothing of Kindly's.
    _check(offline, allowed=(".config/pulse/cookie",))
