"""`kindly run`: the voice loop where there is a microphone, the text loop where there is none."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TextIO

from skill.app.loop import Clock, Loop, OutputPlayer
from skill.app.voiceloop import VoiceLoop
from skill.cli import common as cli
from skill.cli.speaking import cmd_run_text_spoken, speaker_or_none
from skill.config import Config
from skill.core.session import Command, Session
from skill.errors import AudioError
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import safety_check
from skill.paths import data_dir

log = logging.getLogger("kindly")
WELCOMED = "welcomed"  # marker file in the data dir: the first-run welcome was given


def cmd_run(config: Config, *, text: bool, fast: bool, mute: bool, push_to_talk: bool) -> int:
    """Start Kindly: voice if a microphone opens, else (or with --text) the text loop."""
    if text:
        return cmd_run_text_spoken(config, fast=fast, mute=mute)
    from skill.audio.mic import MicSource

    try:
        mic = MicSource.from_config(config.audio)
        mic.start()
    except AudioError as exc:
        sys.stderr.write(f"kindly: {exc}\nkindly: starting the text loop instead.\n")
        return cmd_run_text_spoken(config, fast=fast, mute=mute)
    return run_voice(config, mic, mute=mute, push_to_talk=push_to_talk)


def _first_run() -> bool:
    marker = data_dir() / WELCOMED
    if marker.exists():
        return False
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only data dir: welcome every time rather than never
    return True


def run_voice(
    config: Config,
    mic: object,
    *,
    mute: bool = False,
    push_to_talk: bool = False,
    out: TextIO | None = None,
    player: OutputPlayer | None = None,
    on_ready: Callable[[Loop], object] | None = None,
) -> int:
    """The live loop until SIGINT/SIGTERM. `mic` is a started MicSource.

    `on_ready` gets the running loop (tests and embedders stop it with `loop.shutdown()`).
    """
    from skill.app.watchdog import Watchdog
    from skill.hearing.listener import make_hearing

    out = out or sys.stdout
    catalogue = cli.catalogue_for(config)
    matcher = IntentMatcher(catalogue)
    crisis = safety_check(catalogue).response(config.region)
    session = Session(catalogue, crisis, request_timeout=config.hearing.request_timeout)
    speaker = None if mute or player is not None else speaker_or_none(config)
    player = player or speaker or Clock()
    loop = Loop(session, matcher, player, on_output=cli.OutputPrinter(out))
    hearing = make_hearing(matcher, config.hearing)
    watchdog = Watchdog()
    voice = VoiceLoop(
        loop,
        mic,  # type: ignore[arg-type]
        hearing,
        player,
        request_timeout=config.hearing.request_timeout,
        on_audio=watchdog.audio_flowing,
    )
    bridge = None
    if config.mqtt.host:
        from skill.mqtt.bridge import bridge_for

        bridge = bridge_for(config.mqtt, catalogue)
        bridge.attach(loop)
        bridge.start()  # in the background: an unreachable broker never blocks the loop

    def shutdown(_signum: int, _frame: FrameType | None) -> None:
        loop.shutdown()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, shutdown)
    out.write(f"{cli.NOT_THERAPY}\n")
    if _first_run():
        loop.put(Command("welcome"))
    voice.start()
    if push_to_talk:
        threading.Thread(target=_push_to_talk, args=(voice,), daemon=True).start()
    watchdog.ready()
    how = "press Enter" if push_to_talk else f"say '{config.hearing.wake_phrase}'"
    log.info("ready: %s", how)
    if on_ready is not None:
        on_ready(loop)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    finally:
        watchdog.stopping()
        voice.stop()
        if bridge is not None:
            bridge.stop()
        if speaker is not None:
            speaker.close()
    return 0


def _push_to_talk(voice: VoiceLoop) -> None:
    for _ in sys.stdin:
        voice.wake_now("button")
