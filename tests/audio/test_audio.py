"""The microphone and the device list: unit tests without devices, then system tests on a
private PulseAudio daemon (tests/pulse.py) through the real PyAudio."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from skill.audio.devices import (
    NO_MIC_FIX,
    AudioCallback,
    Device,
    find_input,
    pick_input_format,
    stable_name,
)
from skill.audio.mic import MicSource, Rechunker
from skill.cli.audio import cmd_devices, format_devices
from skill.config import AudioConfig
from skill.errors import AudioError
from tests.conftest import ROOT
from tests.pulse import MIC, SPEAKER, Pulse

RATE = 16_000
Pcm = npt.NDArray[np.int16]


def tone(freq: float, seconds: float, rate: int = RATE, level: float = 0.3) -> Pcm:
    t = np.arange(round(seconds * rate)) / rate
    return np.rint(level * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def peak_frequency(samples: Pcm, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def loud_part(samples: Pcm, rate: int = RATE) -> Pcm:
    """The samples between the first and last 10 ms frame well above the noise."""
    frame = rate // 100
    frames = samples[: len(samples) // frame * frame].astype(np.float64).reshape(-1, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(rms > 0.1 * max(float(rms.max()), 1.0))
    if not len(loud) or rms.max() < 300:
        return np.zeros(0, dtype=np.int16)
    return samples[loud[0] * frame : (loud[-1] + 1) * frame]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def as_pcm(chunks: list[bytes]) -> Pcm:
    return np.frombuffer(b"".join(chunks), dtype="<i2").astype(np.int16)


# --- the resampling chunker (no devices) ----------------------------------------------------


@pytest.mark.parametrize("in_rate", [16_000, 22_050, 44_100, 48_000])
def test_rechunker_gives_16k_chunks_of_one_size_at_any_rate(in_rate: int) -> None:
    chunker = Rechunker(in_rate, chunk_ms=30)
    pcm = tone(1234.0, 1.0, in_rate).tobytes()
    sizes = [1, 333, 2, 4097, 9000]  # uneven device buffers, odd byte counts too
    chunks: list[bytes] = []
    start = 0
    while start < len(pcm):
        size = sizes[len(chunks) % len(sizes)]
        chunks += chunker.feed(pcm[start : start + size])
        start += size
    chunks += chunker.flush()
    assert {len(c) for c in chunks} == {480 * 2}
    out = as_pcm(chunks)
    assert abs(len(out) - RATE) <= 480  # one second in, one second out (plus padding)
    assert abs(peak_frequency(out[1000:-1000]) - 1234.0) < 5


def test_rechunker_passes_16k_mono_through_unchanged() -> None:
    chunker = Rechunker(RATE, chunk_ms=20)
    pcm = tone(500.0, 0.1)
    chunks = chunker.feed(pcm.tobytes())
    assert [len(c) for c in chunks] == [640] * 5
    assert np.array_equal(as_pcm(chunks), pcm)
    assert chunker.flush() == []


def test_rechunker_mixes_stereo_down_to_mono() -> None:
    left, right = tone(700.0, 0.06), np.zeros(960, dtype=np.int16)
    stereo = np.column_stack([left, right]).reshape(-1)
    out = as_pcm(Rechunker(RATE, channels=2, chunk_ms=60).feed(stereo.tobytes()))
    assert np.array_equal(out, (left.astype(np.int32) // 2).astype(np.int16))


def test_rechunker_flush_pads_the_last_chunk() -> None:
    chunker = Rechunker(RATE, chunk_ms=30)
    assert chunker.feed(np.full(100, 7, dtype=np.int16).tobytes()) == []
    (last,) = chunker.flush()
    assert as_pcm([last]).tolist() == [7] * 100 + [0] * 380


@pytest.mark.parametrize("chunk_ms", [10, 19, 101])
def test_chunk_size_outside_20_to_100_ms_is_refused(chunk_ms: int) -> None:
    with pytest.raises(AudioError, match="chunk_ms must be 20-100"):
        Rechunker(RATE, chunk_ms=chunk_ms)
    with pytest.raises(AudioError, match="chunk_ms"):
        MicSource(chunk_ms=chunk_ms)


# --- picking a device (a stand-in for PyAudio) ----------------------------------------------


class FakePortAudio:
    """The few PyAudio calls device picking makes."""

    def __init__(self, devices: list[tuple[str, int, int]], default_in: int | None) -> None:
        self.devices = devices  # (name, max input channels, default rate)
        self.default_in = default_in

    def get_device_count(self) -> int:
        return len(self.devices)

    def get_device_info_by_index(self, index: int) -> dict[str, Any]:
        name, inputs, rate = self.devices[index]
        return {
            "index": index,
            "name": name,
            "maxInputChannels": inputs,
            "maxOutputChannels": 2,
            "defaultSampleRate": float(rate),
            "hostApi": 0,
        }

    def get_default_input_device_info(self) -> dict[str, Any]:
        if self.default_in is None:
            raise OSError("No Default Input Device Available")
        return self.get_device_info_by_index(self.default_in)

    def is_format_supported(self, rate: int, **kwargs: Any) -> bool:
        if rate != self.devices[kwargs["input_device"]][2] or kwargs["input_channels"] != 2:
            raise ValueError("Invalid sample rate")
        return True


CARDS = FakePortAudio(
    [
        ("HDA Intel: ALC (hw:0,0)", 2, 48_000),
        ("HDMI out", 0, 48_000),
        ("USB Mic: Audio (hw:2,0)", 2, 44_100),
    ],
    default_in=0,
)


@pytest.mark.parametrize(
    ("wanted", "index"),
    [(None, 0), ("2", 2), ("usb", 2), ("USB MIC: AUDIO", 2), ("usb mic: audio (hw:2,0)", 2)],
)
def test_find_input_by_default_index_or_part_of_the_name(wanted: str | None, index: int) -> None:
    assert find_input(CARDS, wanted) == index


def test_find_input_prefers_a_whole_name_to_a_part() -> None:
    pa = FakePortAudio([("pulse monitor", 2, 16_000), ("pulse", 2, 16_000)], default_in=0)
    assert find_input(pa, "Pulse") == 1


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("webcam", "no microphone named 'webcam'"),
        ("1", "device 1 cannot record"),
        ("7", "no device 7"),
    ],
)
def test_find_input_errors_name_the_inputs_and_the_fix(wanted: str, message: str) -> None:
    with pytest.raises(AudioError) as error:
        find_input(CARDS, wanted)
    assert message in str(error.value)
    assert "HDA Intel: ALC (hw:0,0); USB Mic: Audio (hw:2,0)" in str(error.value)
    assert NO_MIC_FIX in str(error.value)


def test_no_microphone_at_all_names_the_fix() -> None:
    for pa in (FakePortAudio([], None), FakePortAudio([("HDMI out", 0, 48_000)], None)):
        with pytest.raises(AudioError, match=r"^no microphone found: plug one in, or pick one"):
            find_input(pa, None)
    assert "--mic" in NO_MIC_FIX and "kindly run --text" in NO_MIC_FIX


def test_a_device_is_recorded_at_a_rate_it_supports() -> None:
    assert pick_input_format(CARDS, 2) == (44_100, 2)  # its default rate, in stereo
    assert stable_name("USB Mic: Audio (hw:2,0)") == "USB Mic: Audio"


def test_device_table_shows_rates_and_defaults() -> None:
    device = Device(3, "kindly_mic", "ALSA", 32, 32, 44_100, (16_000, 48_000), (), True, False)
    table = format_devices([device])
    row = table.splitlines()[1]
    assert row.split() == ["3", "kindly_mic", "32", "32", "44100", "16k", "48k", "-", "mic"]


# --- the microphone source with a stand-in device -------------------------------------------


class FakeInput:
    def __init__(self, rate: int, channels: int, on_audio: AudioCallback) -> None:
        self.name = "Fake Mic: Audio (hw:3,0)"
        self.rate, self.channels = rate, channels
        self.on_audio = on_audio
        self.alive = True
        self.closed = False

    def push(self, pcm: Pcm, overflowed: bool = False) -> None:
        self.on_audio(pcm.tobytes(), overflowed)  # as PortAudio's thread would

    def active(self) -> bool:
        return self.alive

    def close(self) -> None:
        self.closed = True


class FakeMic:
    """An Opener whose device can be unplugged and plugged in again."""

    def __init__(self, rate: int = 48_000) -> None:
        self.rate = rate
        self.present = True
        self.inputs: list[FakeInput] = []
        self.asked: list[str | None] = []

    def __call__(
        self, wanted: str | None, *, prefer_rate: int, chunk_ms: int, on_audio: AudioCallback
    ) -> FakeInput:
        self.asked.append(wanted)
        if not self.present:
            raise AudioError(f"no microphone named '{wanted}': {NO_MIC_FIX}")
        self.inputs.append(FakeInput(self.rate, 1, on_audio))
        return self.inputs[-1]

    @property
    def current(self) -> FakeInput:
        return self.inputs[-1]


def mic_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "skill.audio.mic" and r.levelno >= logging.WARNING
    ]


def test_fake_mic_chunks_arrive_resampled(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeMic(rate=48_000)
    with MicSource("fake", opener=fake) as mic:
        fake.current.push(tone(900.0, 0.5, 48_000))
        chunks = [mic.read(timeout=2) for _ in range(15)]
    assert all(c is not None and len(c) == mic.chunk_bytes == 960 for c in chunks)
    assert abs(peak_frequency(as_pcm([c for c in chunks if c])[500:]) - 900.0) < 10
    assert mic_warnings(caplog) == []


def test_lost_mic_warns_once_retries_by_name_and_comes_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeMic()
    mic = MicSource("fake", opener=fake, retry_seconds=0.05)
    caplog.set_level(logging.DEBUG, logger="skill.audio.mic")
    with mic:
        first = fake.current
        first.push(tone(500.0, 0.1, 48_000))
        assert mic.read(timeout=2) is not None
        fake.present, first.alive = False, False  # unplugged
        wait_until(lambda: not mic.available, 2, "the loss to be noticed")
        wait_until(lambda: len(fake.asked) >= 5, 2, "several retries")
        assert first.closed
        fake.present = True  # plugged in again
        wait_until(lambda: len(fake.inputs) == 2, 2, "the device to be re-opened")
        fake.current.push(tone(500.0, 0.1, 48_000))
        wait_until(lambda: mic.available, 2, "audio to flow again")
        while mic.read(timeout=0.01) is not None:
            pass
        fake.current.push(tone(500.0, 0.1, 48_000))
        assert mic.read(timeout=2) is not None
    assert fake.asked[0] == "fake"
    assert set(fake.asked[1:]) <= {"Fake Mic: Audio", "fake"}  # by name, without the card
    assert (mic.losses, mic.recoveries) == (1, 1)
    warnings = mic_warnings(caplog)
    assert len(warnings) == 1 and "lost (the stream stopped)" in warnings[0]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert sum("is back" in m for m in infos) == 1


def test_a_mic_that_gives_no_audio_is_an_outage_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeMic()
    with MicSource("fake", opener=fake, retry_seconds=0.05, stall_seconds=0.1) as mic:
        wait_until(lambda: mic.losses >= 3, 5, "repeated stalls")
        warnings = mic_warnings(caplog)
        assert len(warnings) == 1 and "no audio for 0.1 s" in warnings[0]

        def speak() -> bool:  # the input in hand may be closed by a stall meanwhile
            fake.current.push(tone(500.0, 0.02, 48_000))
            return mic.recoveries == 1

        wait_until(speak, 2, "audio to be noticed")
    assert len(mic_warnings(caplog)) == 1


def test_overflows_are_counted_and_a_full_queue_keeps_the_newest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeMic(rate=RATE)
    with MicSource("fake", opener=fake, queue_seconds=0.1, chunk_ms=50) as mic:  # 2 chunks
        for value in range(1, 6):
            fake.current.push(np.full(800, value, dtype=np.int16), overflowed=value == 3)
        wait_until(lambda: mic.dropped == 3, 2, "chunks to be dropped")
        assert [as_pcm([mic.read(timeout=1) or b""])[0] for _ in range(2)] == [4, 5]
    assert mic.overflows == 1
    assert mic_warnings(caplog) == []


def test_no_mic_at_start_raises_for_the_caller_to_fall_back() -> None:
    fake = FakeMic()
    fake.present = False
    mic = MicSource(None, opener=fake)
    with pytest.raises(AudioError, match="plug one in, or pick one with `kindly devices`"):
        mic.start()
    assert mic.read(timeout=0.01) is None
    mic.stop()


def test_microphone_audio_is_never_written_unless_debug_record_is_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path))
    fake = FakeMic(rate=RATE)
    with MicSource.from_config(AudioConfig(mic="fake"), opener=fake) as mic:
        fake.current.push(tone(440.0, 0.3))
        assert mic.read(timeout=2) is not None
    assert list(tmp_path.rglob("*")) == []
    assert mic_warnings(caplog) == []

    with MicSource.from_config(AudioConfig(mic="fake", debug_record=True), opener=fake) as mic:
        fake.current.push(tone(440.0, 0.3))
        wait_until(lambda: mic.read(timeout=0.1) is None, 3, "the chunks")
    (recording,) = tmp_path.rglob("*.wav")
    with wave.open(str(recording)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (RATE, 1, 4800)
    (warning,) = mic_warnings(caplog)
    assert "debug_record is ON" in warning and str(recording) in warning


# --- system tests: the real PyAudio on a private PulseAudio ---------------------------------


def hear(pulse: Pulse, mic: MicSource, freq: float, seconds: float = 0.6) -> Pcm:
    """Play a tone into the mic feed and return the loud part of what the mic heard."""
    while mic.read(timeout=0) is not None:  # what came before is not the tone
        pass
    player = threading.Thread(target=pulse.play_into_mic, args=(tone(freq, seconds),))
    player.start()
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds + 4.0
    while time.monotonic() < deadline:
        chunk = mic.read(timeout=0.5)
        if chunk is not None:
            assert len(chunk) == mic.chunk_bytes
            chunks.append(chunk)
        if not player.is_alive() and len(chunks) * mic.chunk_ms >= (seconds + 1.0) * 1000:
            break
    player.join(timeout=10)
    return loud_part(as_pcm(chunks))


@pytest.mark.system
def test_portaudio_lists_the_pulse_devices_with_rates(pulse: Pulse) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cmd_devices(False, out=out, err=err) == 0
    rows = {line.split()[1]: line for line in out.getvalue().splitlines()[1:-1]}
    assert MIC in rows and SPEAKER in rows, out.getvalue()
    for name in (MIC, SPEAKER):
        assert "16k 22.05k 44.1k 48k" in rows[name]
    assert "mic" in rows["default"]  # PortAudio's default input: PulseAudio's default


@pytest.mark.system
def test_kindly_devices_command_prints_json(pulse: Pulse) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "skill", "devices", "--json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    devices = {d["name"]: d for d in json.loads(done.stdout)}
    assert devices[SPEAKER]["output_rates"] == [16_000, 22_050, 44_100, 48_000]
    assert devices[MIC]["input_rates"] == [16_000, 22_050, 44_100, 48_000]


_RACE = """
import threading
from skill.audio.devices import close_portaudio, list_devices, open_portaudio

def churn():
    for _ in range(25):
        pa = open_portaudio()
        pa.get_device_count()
        close_portaudio(pa)
    list_devices()

threads = [threading.Thread(target=churn) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


@pytest.mark.system
def test_portaudio_started_and_ended_on_several_threads_at_once_never_crashes(
    pulse: Pulse,
) -> None:
    # A mic lost and found while the devices are listed does this. PortAudio itself is not
    # thread-safe here: unguarded, the same churn aborts the process every time.
    done = subprocess.run(
        [sys.executable, "-c", _RACE], check=False, capture_output=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.system
@pytest.mark.parametrize("device_rate", [16_000, 48_000])
def test_mic_hears_what_is_played_into_it_at_16k(pulse: Pulse, device_rate: int) -> None:
    with MicSource(MIC, prefer_rate=device_rate) as mic:
        assert (mic.device_name, mic.device_rate) == (MIC, device_rate)
        heard = hear(pulse, mic, 1234.0)
    assert 0.45 < len(heard) / RATE < 0.8  # the tone's length: the rate is right
    assert abs(peak_frequency(heard) - 1234.0) < 8


@pytest.mark.system
def test_mic_lost_and_regained_mid_stream_recovers_without_restart(
    pulse: Pulse, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="skill.audio.mic")
    with MicSource(MIC, retry_seconds=0.5) as mic:
        assert abs(peak_frequency(hear(pulse, mic, 800.0)) - 800.0) < 8
        pulse.unload_mic()
        try:
            wait_until(lambda: not mic.available, 5, "the unplugged mic to be noticed")
            time.sleep(1.6)  # a few retries fail while it is away
            assert mic.losses == 1
        finally:
            pulse.reload_mic()
        wait_until(lambda: mic.available, 10, "the mic to come back")
        assert abs(peak_frequency(hear(pulse, mic, 1500.0)) - 1500.0) < 8
    assert mic.recoveries == 1
    warnings = mic_warnings(caplog)
    assert len(warnings) == 1 and f"microphone '{MIC}' lost" in warnings[0]
    assert sum("is back" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.system
def test_named_mic_missing_at_start_is_an_audio_error(pulse: Pulse) -> None:
    pulse.unload_mic()
    try:
        with pytest.raises(AudioError, match=f"no microphone named '{MIC}'.*plug one in"):
            MicSource(MIC).start()
    finally:
        pulse.reload_mic()


NO_DEVICES_PROBE = """
import json
from skill.audio.devices import list_devices
from skill.errors import AudioError
from skill.audio.mic import MicSource
inputs = [d.name for d in list_devices() if d.input_channels]
try:
    MicSource().start()
    error = None
except AudioError as exc:
    error = str(exc)
print(json.dumps({"inputs": inputs, "error": error}))
"""


@pytest.mark.system
def test_no_sound_devices_at_all_is_an_audio_error(tmp_path: Path) -> None:
    pytest.importorskip("pyaudio")
    # Its own process: PortAudio with ALSA's own config and no sound server reachable.
    env = {k: v for k, v in os.environ.items() if k != "ALSA_CONFIG_PATH"}
    env["PULSE_SERVER"] = f"unix:{tmp_path}/no-server"
    done = subprocess.run(
        [sys.executable, "-c", NO_DEVICES_PROBE],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    if result["inputs"]:
        pytest.skip(f"this machine has a sound card: {result['inputs']}")
    assert result["error"] == f"no microphone found: {NO_MIC_FIX}"


def play_on_pulse(pulse: Pulse, sound: Pcm, seconds: float) -> Pcm:
    """`sound` played through a new PyAudioSink (closed after), and `seconds` of what the
    speaker device played meanwhile, recorded from 0.2 s before."""
    from skill.audio.speaker import PyAudioSink

    sink = PyAudioSink(RATE, SPEAKER)
    try:
        result: list[Pcm] = []
        recorder = threading.Thread(target=lambda: result.append(pulse.record_speaker(seconds)))
        recorder.start()
        time.sleep(0.2)
        sink.write(sound.tobytes())
        recorder.join(timeout=20)
    finally:
        sink.close()
    return result[0]


@pytest.mark.system
def test_record_speaker_hears_the_speaker_device(pulse: Pulse) -> None:
    heard = loud_part(play_on_pulse(pulse, tone(660.0, 0.5), 1.5))
    assert 0.4 < len(heard) / RATE < 0.7
    assert abs(peak_frequency(heard) - 660.0) < 8
