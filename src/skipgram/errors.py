"""Exceptions that skipgram raises for bad input.

Each one also subclasses the built-in exception a user would already catch (``ValueError`` for bad data
and parameters, ``RuntimeError`` for training that cannot go on), so ``except ValueError`` keeps working.
Two other kinds keep their built-in classes, with the same one-line messages: a missing file or folder
is a plain ``FileNotFoundError`` / ``IsADirectoryError``, and an unknown word is
:class:`~skipgram.vectors.UnknownWordError`, a ``KeyError``. The CLI turns all of them into one line.
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
