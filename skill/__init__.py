"""Kindly: an offline self-compassion voice skill."""

import os
import signal
import sys

__version__ = "0.1.0"

# onnxruntime (under Piper) otherwise writes a device id and a telemetry database to
# $XDG_CACHE_HOME/Microsoft and may look up its telemetry host. The variable must be set
# before onnxruntime is first imported, so it is set here, where every Kindly entry starts.
# Forced, not defaulted: nothing about the person ever leaves the device.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

# Run as the `kindly` program (the console script, or `python -m skill`, when argv[0] is
# still "-m"), a Ctrl-C or systemd's SIGINT (KillSignal=SIGINT) that comes while the
# command line is still being loaded ends the process quietly with 130, at once: nothing
# is open yet, and an exception raised here could be lost on its way out. Once
# `skill.__main__.main` runs, its own handler unwinds and closes what is open. Imported
# as a library, nothing changes.
if sys.argv[:1] == ["-m"] or os.path.basename(sys.argv[0] if sys.argv else "") == "kindly":

    def _quiet_exit(_signum: int, _frame: object) -> None:
        os._exit(130)

    signal.signal(signal.SIGINT, _quiet_exit)
