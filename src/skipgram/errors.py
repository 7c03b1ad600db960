"""Exceptions that skipgram raises for bad input.

Each one subclasses the built-in exception a user would already catch (``ValueError`` for bad data,
``FileNotFoundError``-style ``OSError`` for paths) so that ``except ValueError`` keeps working, and the
CLI can turn any :class:`SkipgramError` into one clear line.
"""

from __future__ import annotations


class SkipgramError(Exception):
    """Base class: an error whose message is meant for the user, not a traceback."""


class CorpusError(SkipgramError, ValueError):
    """The training text cannot be read or is unusable (names the file and the byte offset)."""


class FormatError(SkipgramError, ValueError):
    """A vectors/checkpoint file is truncated, corrupted or of the wrong kind (names file and place)."""


class ParameterError(SkipgramError, ValueError):
    """A parameter is out of range or of the wrong type."""


class TrainingError(SkipgramError, RuntimeError):
    """Training cannot proceed (diverged, a distributed peer died, ...)."""


class OutputPathError(SkipgramError, OSError):
    """An output path cannot or must not be written (collides with an input, unwritable, special file)."""
