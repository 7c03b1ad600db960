"""Declarative parameter checks in the scikit-learn style.

A class keeps one table ``{name: [constraint, ...]}``; :func:`validate_params` checks every value against
it and raises one :class:`~skipgram.errors.ParameterError` with a message of the form
"The 'negative' parameter of Word2Vec must be an int in the range [1, inf); got 0."
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (int or float) from ``low`` to ``high``; ``closed``: both/left/right/neither."""

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.kind is float and not isinstance(value, numbers.Real):
            return False
        if isinstance(value, float) and math.isnan(value):
            return False
        low_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return low_ok and high_ok

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        name = "an int" if self.kind is int else "a float"
        return f"{name} in the range {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        return isinstance(value, type(self.values[0])) and value in self.values

    def choices(self) -> tuple:
        return self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class Registered:
    """One of the names a registry holds when the value is checked (engines registered later count)."""

    names: Callable[[], tuple]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.names()

    def choices(self) -> tuple:
        return tuple(self.names())

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.names())


@dataclass(frozen=True)
class InstanceOf:
    """An instance of ``types`` (``None`` allowed by listing ``type(None)``)."""

    types: tuple
    description: str

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.types)

    def __str__(self) -> str:
        return self.description


NONE = InstanceOf((type(None),), "None")
BOOL = InstanceOf((bool,), "a bool")


def validate_params(params: Mapping[str, Any], constraints: Mapping[str, Sequence[Any]], owner: str) -> None:
    """Raise :class:`ParameterError` for the first parameter that meets none of its constraints.

    Examples
    --------
    >>> try:
    ...     validate_params({"negative": 0}, {"negative": [Interval(int, 1, None)]}, "Word2Vec")
    ... except ValueError as error:
    ...     print(error)
    The 'negative' parameter of Word2Vec must be an int in the range [1, inf); got 0.
    """
    for name, allowed in constraints.items():
        if name not in params:
            continue
        value = params[name]
        if any(constraint.accepts(value) for constraint in allowed):
            continue
        if len(allowed) == 1:
            expected = str(allowed[0])
        else:
            expected = ", ".join(str(c) for c in allowed[:-1]) + " or " + str(allowed[-1])
        raise ParameterError(f"The {name!r} parameter of {owner} must be {expected}; got {value!r}.")
