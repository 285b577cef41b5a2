"""The exceptions the CLI knows how to print: each carries a Chinese message for users."""

from __future__ import annotations


class BulletinError(Exception):
    """Base of every error the CLI prints as a message instead of a traceback."""

    exit_code = 1


class ConfigError(BulletinError):
    """Raised while reading bulletin.yml or the project layout; a usage error (exit 2)."""

    exit_code = 2


class DataError(BulletinError):
    """Raised when the rosters have errors and nothing may be published."""

    exit_code = 1


class BuildError(BulletinError):
    """Raised by a renderer or the publisher when an output cannot be produced."""

    exit_code = 1
