"""`kindly run`: the voice loop where there is a microphone, the text loop where there is none."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from skill.app import runtime
from skill.app.loop import Loop, OutputPlayer
from skill.app.voiceloop import Frames, VoiceLoop
from skill.cli import common as cli
from skill.config import Config
from skill.core.events import Command
from skill.errors import AudioError

log = logging.getLogger("kindly")


def cmd_run(config: Config, *, text: bool, fast: bool, mute: bool, push_to_talk: bool) -> int:
    """Start Kindly: voice if a microphone opens, else (or with --text) the text loop."""
    if not (fast or mute):  # a fresh machine: fill the speech cache, never in the way
        from skill.cli.prerender import prerender_in_background

        prerender_in_background(config)
    if text:
        return cli.cmd_run_text(config, fast=fast, mute=mute, speak=True)
    from skill.audio.mic import MicSource

    mic = MicSource.from_config(config.audio)
    try:
        mic.start()
    except AudioError as exc:
        if sys.stdin is not None and sys.stdin.isatty():
            sys.stderr.write(f"kindly: {exc}\nkindly: starting the text loop instead.\n")
            return cli.cmd_run_text(config, fast=fast, mute=mute, speak=True)
        # A service (no terminal): never exit for want of a microphone; wait for one and
        # use it when it appears (the log says so, and so does `kindly doctor`).
        mic.start(wait=True)
    return run_voice(config, mic, mute=mute, push_to_talk=push_to_talk)


def run_voice(
    config: Config,
    mic: Frames,
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
    out = out or sys.stdout
    service = runtime.build_service(
        config, player=player, speak=not mute, on_output=cli.OutputPrinter(out)
    )
    try:
        voice = runtime.add_voice(service, mic)
        service.shutdown_on_sigterm()
        out.write(f"{cli.NOT_THERAPY}\n")
        if runtime.first_run():
            service.loop.put(Command("welcome"))
        service.start()
        if push_to_talk:
            threading.Thread(target=_push_to_talk, args=(voice,), daemon=True).start()
        wake = config.hearing.wake_phrase
        if config.hearing.wake_model != "hey_kindly":
            wake = config.hearing.wake_model.replace("_", " ")
        how = "press Enter" if push_to_talk else f"say '{wake}'"
        log.info("ready: %s", how)
        if on_ready is not None:
            on_ready(service.loop)
        service.loop.run()
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
    return 0


def _push_to_talk(voice: VoiceLoop) -> None:
    for _ in sys.stdin:
        voice.wake_now("button")
