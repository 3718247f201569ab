"""What the person at the shell can fix, said in a line or two, with an exit code per kind.

``main`` maps every error below once, as the HTTP edge maps domain errors to problems: no
traceback reaches the terminal for a mistake in a setting. docs/operations.md lists the codes.
"""

from __future__ import annotations

from enum import IntEnum

from pydantic import ValidationError

from buurt.adapters.store import (
    DatabaseError,
    DatabaseFolderMissing,
    DatabaseUnreachable,
    UnknownDatabaseUrl,
)


class ExitCode(IntEnum):
    REFUSED = 1  # a use case said no (a domain error, a malformed MQTT URL among them)
    USAGE = 2  # click's own: an unknown command or option, a value of the wrong type
    SETTING = 3  # a setting out of its range, or a host that is not this machine's
    DATABASE_URL = 4  # not a database URL, or a scheme Buurt does not speak
    DATABASE_FOLDER = 5  # an SQLite file in a folder that does not exist
    DATABASE_UNREACHABLE = 6  # the database refuses, is away, or cannot be opened
    PORT_IN_USE = 7  # another program listens on the port
    MQTT_UNREACHABLE = 8  # the MQTT broker refuses the gateway, or is away
    BUS_UNREACHABLE = 9  # NATS of BUURT_BUS_URL refuses, or is away (buurt worker)


DATABASE_OPTION = "--db / BUURT_DATABASE_URL"
# The command-line option of each setting that has one; the rest are environment only.
OPTIONS = {
    "database_url": "--db",
    "host": "--host",
    "port": "--port",
    "mqtt_url": "--mqtt",
    "mqtt_config_dir": "--mqtt-config-dir",
    "shards": "--of",
}


class OperatorError(Exception):
    """A mistake in how Buurt was started: the option (or setting) it is in, and the fix."""

    def __init__(self, code: ExitCode, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.code = code
        self.option = option
        self.message = message


def option_of(field: str) -> str:
    """How a person names a setting: ``--port / BUURT_PORT``."""
    env = f"BUURT_{field.upper()}"
    return f"{OPTIONS[field]} / {env}" if field in OPTIONS else env


def from_database(error: DatabaseError, option: str = DATABASE_OPTION) -> OperatorError:
    code = ExitCode.DATABASE_UNREACHABLE
    if isinstance(error, UnknownDatabaseUrl):
        code = ExitCode.DATABASE_URL
    elif isinstance(error, DatabaseFolderMissing):
        code = ExitCode.DATABASE_FOLDER
    elif not isinstance(error, DatabaseUnreachable):  # pragma: no cover - a new kind
        code = ExitCode.REFUSED
    return OperatorError(code, option, str(error))


def from_settings(error: ValidationError) -> OperatorError:
    """The first refused setting (pydantic names the field and the rule it broke)."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "settings"
    return OperatorError(
        ExitCode.SETTING,
        option_of(field),
        f"{first['input']!r} is refused: {first['msg'][0].lower()}{first['msg'][1:]}.",
    )
