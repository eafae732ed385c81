"""A private PulseAudio daemon with virtual devices, for system tests of real PyAudio audio.

The `pulse` fixture (session-scoped, registered in conftest.py) starts its own daemon in a
temporary folder, so a developer's own sound server is never touched. It holds:

- sink `kindly_speaker` (48 kHz null sink): what Kindly plays; `record_speaker` reads its
  monitor;
- sink `kindly_mic_feed` (48 kHz null sink): what `play_into_mic` plays into; the mono
  source `kindly_mic` remaps its monitor and stands in for the microphone.

PortAudio sees PulseAudio through ALSA's pulse plugin (Debian `libasound2-plugins`, which
`pulseaudio` depends on). The fixture points ALSA at an extra config file naming two ALSA
devices, `kindly_mic` and `kindly_speaker`, so PortAudio lists them by those names. The mic
device talks to the daemon over a socket of its own: `unload_mic` unloads that socket and
the source, which cuts the stream the way unplugging a USB mic does (PulseAudio would
otherwise quietly move the stream to another source), and `reload_mic` brings both back.

Two low-latency recorders (parec) run on the null sinks' monitors for the whole session:
idle null sinks otherwise sleep in blocks of up to ~2 s, and a new stream would wait that
long for its first audio (an artefact of null sinks, not of real sound cards).

Environment set for the whole session once the fixture has started (and inherited by
subprocesses): PULSE_SERVER (the daemon's main socket), ALSA_CONFIG_PATH (ALSA's own
config, then ours), PULSE_RUNTIME_PATH.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

RATE = 16_000
DEVICE_RATE = 48_000  # the null sinks' rate: 16 kHz at the device is always a conversion
MIC = "kindly_mic"
SPEAKER = "kindly_speaker"
MIC_FEED = "kindly_mic_feed"
START_TIMEOUT = 15.0
COMMAND_TIMEOUT = 10.0
ALSA_DEFAULT_CONFIG = "/usr/share/alsa/alsa.conf"
Pcm = npt.NDArray[np.int16]


class Pulse:
    """A running private PulseAudio daemon and helpers to feed its mic and hear its speaker."""

    mic = MIC
    speaker = SPEAKER

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "native"
        self.mic_socket = root / "mic"
        self.server = f"unix:{self.socket}"
        self.log = root / "pulseaudio.log"
        self.alsa_config = root / "asound.conf"
        self.env = {
            **os.environ,
            "PULSE_SERVER": self.server,
            "PULSE_RUNTIME_PATH": str(root / "runtime"),
            "PULSE_STATE_PATH": str(root / "state"),
            "HOME": str(root / "home"),  # the daemon's cookie and state, not the user's
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._keepers: list[subprocess.Popen[bytes]] = []

    # -- the daemon -------------------------------------------------------------------------

    def start(self) -> None:
        for name in ("runtime", "state", "home"):
            (self.root / name).mkdir(mode=0o700, exist_ok=True)
        script = self.root / "default.pa"
        script.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={SPEAKER} rate={DEVICE_RATE}"
            " sink_properties=device.description=Kindly_speaker\n"
            f"load-module module-null-sink sink_name={MIC_FEED} rate={DEVICE_RATE}"
            " sink_properties=device.description=Kindly_mic_feed\n"
            "load-module module-always-sink\n"
            f"set-default-sink {SPEAKER}\n" + "".join(f"{line}\n" for line in self._mic_lines())
        )
        self.alsa_config.write_text(
            _alsa_pcm(MIC, MIC, f"unix:{self.mic_socket}", "Kindly test microphone")
            + _alsa_pcm(SPEAKER, SPEAKER, self.server, "Kindly test speaker")
        )
        command = [
            "pulseaudio",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--system=false",
            "--use-pid-file=no",
            "-n",
            "-F",
            str(script),
            "--log-target=stderr",
        ]
        if shutil.which("setpriv"):  # the daemon dies with pytest, even on a hard kill
            command = ["setpriv", "--pdeathsig", "TERM", *command]
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self.env
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"pulseaudio exited at start:\n{self.log_tail()}")
            probe = subprocess.run(
                ["pactl", "info"],
                check=False,
                env=self.env,
                capture_output=True,
                timeout=COMMAND_TIMEOUT,
            )
            if probe.returncode == 0 and self.mic_socket.exists():
                break
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(
                f"pulseaudio did not start in {START_TIMEOUT:g} s:\n{self.log_tail()}"
            )
        self._keep_sinks_awake(deadline)

    def _keep_sinks_awake(self, deadline: float) -> None:
        # An idle null sink sleeps in blocks as long as the largest latency any client asked
        # for (PortAudio's device probing asks for seconds), so a new stream could wait ~2 s
        # for its first audio. A low-latency recorder on each monitor keeps the blocks short.
        for sink in (MIC_FEED, SPEAKER):
            command = ["parec", f"--device={sink}.monitor", "--latency-msec=10", "--raw"]
            command += ["--format=u8", "--rate=8000", "--channels=1"]
            process = subprocess.Popen(command, stdout=subprocess.PIPE, env=self.env)
            heard = threading.Event()
            threading.Thread(target=_drain, args=(process, heard), daemon=True).start()
            self._keepers.append(process)
            if not heard.wait(max(0.0, deadline - time.monotonic())):
                self.stop()
                raise RuntimeError(f"no audio from {sink}.monitor:\n{self.log_tail()}")

    def stop(self) -> None:
        for keeper in self._keepers:
            _end(keeper)
        self._keepers.clear()
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)
        self._process = None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def pactl(self, *args: str) -> str:
        """Run pactl against this daemon; its output."""
        done = subprocess.run(
            ["pactl", *args],
            check=False,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    # -- the microphone ---------------------------------------------------------------------

    def _mic_lines(self) -> list[str]:
        return [
            f"load-module module-remap-source source_name={MIC} master={MIC_FEED}.monitor"
            " channels=1 source_properties=device.description=Kindly_mic",
            f"set-default-source {MIC}",
            f"load-module module-native-protocol-unix socket={self.mic_socket} auth-anonymous=1",
        ]

    def play_into_mic(
        self, audio: Pcm | Path, rate: int = RATE, timeout: float | None = None
    ) -> None:
        """Play 16-bit mono samples (or a WAV file) into the mic feed; returns once played."""
        if isinstance(audio, Path):
            command = ["paplay", f"--device={MIC_FEED}", str(audio)]
            data = b""
            seconds = 30.0
        else:
            command = [
                "pacat",
                "--playback",
                f"--device={MIC_FEED}",
                "--format=s16le",
                f"--rate={rate}",
                "--channels=1",
                "--raw",
            ]
            data = np.asarray(audio, dtype="<i2").tobytes()
            seconds = len(data) / 2 / rate
        subprocess.run(
            command, input=data, env=self.env, check=True, timeout=timeout or seconds + 10
        )

    def unload_mic(self) -> None:
        """Unplug the microphone: its connection is cut and the device is gone."""
        modules = self.pactl("list", "short", "modules").splitlines()
        for marker in (f"socket={self.mic_socket}", f"source_name={MIC} "):
            for line in modules:
                if marker in line + " ":
                    self.pactl("unload-module", line.split()[0])

    def reload_mic(self) -> None:
        """Plug the microphone back in."""
        for line in self._mic_lines():
            self.pactl(*line.split())
        deadline = time.monotonic() + START_TIMEOUT
        while not self.mic_socket.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the mic socket did not come back")
            time.sleep(0.05)

    # -- the room: Kindly's playback reaching its own microphone ---------------------------

    def feed_back(self, gain_db: float = 0.0, latency_ms: int = 40) -> str:
        """Play what Kindly plays into its microphone too (a speaker-to-mic path), `gain_db`
        louder or softer. Returns the loopback module's id for `stop_feeding_back`."""
        module = self.pactl(
            "load-module",
            "module-loopback",
            f"source={SPEAKER}.monitor",
            f"sink={MIC_FEED}",
            f"latency_msec={latency_ms}",
            "adjust_time=0",  # no rate adjusting: a room is a fixed path
            "source_dont_move=true",
            "sink_dont_move=true",
        ).strip()
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while time.monotonic() < deadline:
            index = None
            for line in self.pactl("list", "sink-inputs").splitlines():
                line = line.strip()
                if line.startswith("Sink Input #"):
                    index = line.removeprefix("Sink Input #")
                elif line == f"Owner Module: {module}" and index is not None:
                    self.pactl("set-sink-input-volume", index, f"{gain_db:.1f}dB")
                    return module
            time.sleep(0.05)
        self.pactl("unload-module", module)
        raise RuntimeError("the loopback's stream did not appear")

    def stop_feeding_back(self, module: str) -> None:
        self.pactl("unload-module", module)

    # -- the speaker ------------------------------------------------------------------------

    def record_speaker(self, seconds: float, rate: int = RATE) -> Pcm:
        """Record what is played on the speaker from now on, for `seconds`: mono int16."""
        wanted = round(seconds * rate) * 2
        command = [
            "parec",
            f"--device={SPEAKER}.monitor",
            "--format=s16le",
            f"--rate={rate}",
            "--channels=1",
            "--raw",
            "--latency-msec=20",
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, env=self.env)
        assert process.stdout is not None
        data = bytearray()
        deadline = time.monotonic() + seconds + COMMAND_TIMEOUT
        try:
            while len(data) < wanted:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"parec gave {len(data)} of {wanted} bytes in time")
                ready, _, _ = select.select([process.stdout], [], [], left)
                if ready:
                    piece = os.read(process.stdout.fileno(), wanted - len(data))
                    if not piece:
                        raise RuntimeError("parec stopped early")
                    data += piece
        finally:
            _end(process)
        return np.frombuffer(bytes(data), dtype="<i2").astype(np.int16)


def _end(process: subprocess.Popen[bytes]) -> None:
    """Terminate a helper process (kill it if it will not go) and close its pipe."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


def _drain(process: subprocess.Popen[bytes], heard: threading.Event) -> None:
    """Read a keep-awake recorder's output until it ends; flag its first bytes."""
    assert process.stdout is not None
    with contextlib.suppress(OSError, ValueError):
        while os.read(process.stdout.fileno(), 4096):
            heard.set()


def _alsa_pcm(name: str, device: str, server: str, description: str) -> str:
    return (
        f'pcm.{name} {{\n    type pulse\n    server "{server}"\n    device "{device}"\n'
        f'    hint {{\n        show on\n        description "{description}"\n    }}\n}}\n'
    )


@pytest.fixture(scope="session")
def pulse() -> Iterator[Pulse]:
    """A private PulseAudio daemon for the session; PyAudio in this process uses it."""
    from tests.conftest import require_system  # here: conftest imports this module

    require_system("pulseaudio", "pactl", "parec", "pacat")
    # A short path: unix socket paths are limited to about 100 bytes.
    root = Path(tempfile.mkdtemp(prefix="kindly-pulse-", dir="/tmp"))
    daemon = Pulse(root)
    try:
        daemon.start()
        alsa = os.environ.get("ALSA_CONFIG_PATH") or ALSA_DEFAULT_CONFIG
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PULSE_SERVER", daemon.server)
            patch.setenv("PULSE_RUNTIME_PATH", daemon.env["PULSE_RUNTIME_PATH"])
            patch.setenv("ALSA_CONFIG_PATH", f"{alsa}:{daemon.alsa_config}")
            yield daemon
    finally:
        daemon.stop()
        with contextlib.suppress(OSError):
            shutil.rmtree(root)
