"""Close spellings of an unknown word, for error messages ("did you mean ...?")."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

# Comparing against every word of a multi-million-word vocabulary would make an error message slow;
# candidates of similar length are enough to catch typos and case slips.
_MAX_CANDIDATES = 200_000


def close_spellings(word: str, vocabulary: Sequence[str], n: int = 3) -> list[str]:
    """Up to ``n`` known words that look like ``word`` (case-insensitive match first).

    Examples
    --------
    >>> close_spellings("kinng", ["king", "queen", "kingdom"])
    ['king']
    """
    if not isinstance(word, str):  # a number or a tuple as a key: no spelling is close to it
        return []
    lowered = word.lower()
    exact_case = [w for w in vocabulary[:_MAX_CANDIDATES] if w.lower() == lowered and w != word]
    candidates = [w for w in vocabulary[:_MAX_CANDIDATES] if abs(len(w) - len(word)) <= 2]
    similar = difflib.get_close_matches(word, candidates, n=n, cutoff=0.75)
    return (exact_case + [w for w in similar if w not in exact_case])[:n]


def unknown_word_message(word: str, vocabulary: Sequence[str], what: str = "the vocabulary") -> str:
    """A KeyError message: the word, and close spellings when there are any."""
    suggestions = close_spellings(word, vocabulary)
    hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    return f"word {word!r} is not in {what}{hint}"
