"""The one family of errors Kindly's library code raises."""

from __future__ import annotations


class KindlyError(Exception):
    """Base of every error Kindly raises on purpose; the CLI prints it and exits non-zero."""


class ContentError(KindlyError):
    """A content file is broken: names the file, the key path and the line."""

    def __init__(self, file: str, key: str, line: int | None, message: str) -> None:
        self.file = file
        self.key = key
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


class ContentErrors(KindlyError):
    """Several content errors found in one pass, so a person can fix them all at once."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class ConfigError(KindlyError):
    """The configuration file or a flag is invalid."""


class ModelError(KindlyError):
    """A recogniser model or voice is missing or broken; the message names the fix."""


class AudioError(KindlyError):
    """An audio file or device cannot be used."""


class MqttError(KindlyError):
    """The MQTT bridge cannot be configured."""
