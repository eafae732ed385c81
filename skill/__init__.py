"""Kindly: an offline self-compassion voice skill."""

import os

__version__ = "0.1.0"

# onnxruntime (under Piper) otherwise writes a device id and a telemetry database to
# $XDG_CACHE_HOME/Microsoft and may look up its telemetry host. The variable must be set
# before onnxruntime is first imported, so it is set here, where every Kindly entry starts.
# Forced, not defaulted: nothing about the person ever leaves the device.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
