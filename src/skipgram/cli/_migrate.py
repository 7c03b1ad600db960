"""Command lines of the word2vec C tool and of fastText, translated into ``skipgram train``.

``skipgram -train text8 -output vectors.bin -cbow 0 -size 200 ...`` (the C tool's flags, with or
without the ``train`` subcommand) and ``skipgram skipgram -input data.txt -output model -dim 100 ...``
(fastText's ``skipgram``/``cbow`` commands) become the equivalent ``skipgram train`` command, which is
printed as one line on stderr (``equivalent: skipgram train ...``) so it can be reused.

Defaults are the other tool's, not ours, wherever they differ: the C tool trains CBOW and writes text
unless told ``-cbow 0`` / ``-binary 1``; fastText uses lr 0.05 and sample 1e-4 and writes
``PREFIX.vec``. fastText's subword n-grams are not trained (plain word2vec, as fastText with
``-maxn 0``), and the C tool's ``-hs 1`` with ``-negative N > 0`` trains hierarchical softmax only; both
are said on stderr.

Examples
--------
>>> " ".join(translate(["-train", "t.txt", "-output", "v.bin", "-cbow", "0", "-size", "200", "-binary", "1"]))
'train t.txt -o v.bin --format word2vec-binary --architecture skipgram --vector-size 200'
>>> translate(["train", "corpus.txt", "-o", "v.bin"])  # already ours: unchanged
['train', 'corpus.txt', '-o', 'v.bin']
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence

# The C tool's flags -> (our flag, how to convert the value). None: handled specially.
_C_FLAGS: dict[str, tuple[str, str] | None] = {
    "-train": None,
    "-output": None,
    "-size": ("--vector-size", "int"),
    "-window": ("--window", "int"),
    "-sample": ("--sample", "float"),
    "-negative": None,
    "-hs": None,
    "-threads": ("--workers", "int"),
    "-iter": ("--epochs", "int"),
    "-min-count": ("--min-count", "int"),
    "-alpha": ("--lr", "float"),
    "-binary": None,
    "-cbow": None,
    "-save-vocab": ("--save-vocab", "str"),
    "-read-vocab": ("--read-vocab", "str"),
    "-debug": None,
    "-classes": None,
}

_FASTTEXT_FLAGS: dict[str, tuple[str, str] | None] = {
    "-input": None,
    "-output": None,
    "-dim": ("--vector-size", "int"),
    "-ws": ("--window", "int"),
    "-neg": ("--negative", "int"),
    "-epoch": ("--epochs", "int"),
    "-minCount": ("--min-count", "int"),
    "-lr": ("--lr", "float"),
    "-thread": ("--workers", "int"),
    "-t": ("--sample", "float"),
    "-loss": None,
    "-minn": None,
    "-maxn": None,
    "-verbose": None,
    "-lrUpdateRate": None,
    "-bucket": None,
    "-seed": ("--seed", "int"),
}


class _MigrationError(Exception):
    pass


def is_c_tool(argv: Sequence[str]) -> bool:
    """``-train ...`` or ``train ... -train ...``: the C tool's command line."""
    if not argv:
        return False
    if argv[0] in _C_FLAGS:
        return True
    return argv[0] == "train" and "-train" in argv[1:]


def is_fasttext(argv: Sequence[str]) -> bool:
    """``skipgram -input ...`` / ``cbow -input ...``: fastText's unsupervised training commands."""
    return len(argv) > 1 and argv[0] in ("skipgram", "cbow")


def translate(argv: Sequence[str]) -> list[str]:
    """Our argv for a C-tool or fastText command line; any other argv unchanged. Raises
    ``_MigrationError`` with a one-line message for flags that cannot be translated."""
    argv = list(argv)
    if is_c_tool(argv):
        return _translate_c(argv[1:] if argv[0] == "train" else argv)
    if is_fasttext(argv):
        return _translate_fasttext(argv[0], argv[1:])
    return argv


def _pairs(argv: list[str], flags: dict, tool: str) -> tuple[dict[str, str], list[str]]:
    """Split ``-flag value`` pairs of the other tool from anything else (passed through)."""
    values: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in flags:
            if i + 1 >= len(argv):
                raise _MigrationError(f"{tool} flag {token} needs a value")
            values[token] = argv[i + 1]
            i += 2
        elif token.startswith("-") and not token.startswith("--") and len(token) > 2 and token[1].isalpha():
            known = " ".join(sorted(flags))
            raise _MigrationError(f"{tool} flag {token} is not supported; supported: {known}")
        else:
            rest.append(token)
            i += 1
    return values, rest


def _number(value: str, kind: str, flag: str, tool: str) -> str:
    try:
        (int if kind == "int" else float)(value)
    except ValueError:
        raise _MigrationError(
            f"{tool} flag {flag} needs {'a whole number' if kind == 'int' else 'a number'}, got {value!r}"
        ) from None
    return value


def _mapped(values: dict[str, str], flags: dict, tool: str) -> list[str]:
    out: list[str] = []
    for flag, value in values.items():
        target = flags[flag]
        if target is None:
            continue
        ours, kind = target
        out += [ours, value if kind == "str" else _number(value, kind, flag, tool)]
    return out


def _translate_c(argv: list[str]) -> list[str]:
    tool = "the C tool's"
    values, rest = _pairs(argv, _C_FLAGS, tool)
    if "-train" not in values or "-output" not in values:
        raise _MigrationError("the C tool's command line needs -train FILE and -output FILE")
    if int(_number(values.get("-classes", "0"), "int", "-classes", tool)):
        raise _MigrationError(
            "the C tool's -classes (k-means word classes) is not supported; drop it to train vectors"
        )
    out = ["train", values["-train"], "-o", values["-output"]]
    binary = _number(values.get("-binary", "0"), "int", "-binary", tool) != "0"
    out += ["--format", "word2vec-binary" if binary else "word2vec-text"]  # the C tool writes text by default
    cbow = _number(values.get("-cbow", "1"), "int", "-cbow", tool) != "0"  # the C tool's default is CBOW
    out += ["--architecture", "cbow" if cbow else "skipgram"]
    hs = _number(values.get("-hs", "0"), "int", "-hs", tool) != "0"
    negative = int(_number(values.get("-negative", "5"), "int", "-negative", tool))
    if hs:
        out += ["--loss", "hierarchical"]
        if negative:
            _note(f"the C tool trains both objectives with -hs 1 -negative {negative}; skipgram trains "
                  "hierarchical softmax only")  # fmt: skip
    elif negative == 0:
        raise _MigrationError("-hs 0 -negative 0 leaves nothing to train: use -negative 5 or -hs 1")
    elif "-negative" in values:
        out += ["--negative", str(negative)]
    out += _mapped(values, _C_FLAGS, tool)
    if int(_number(values.get("-debug", "2"), "int", "-debug", tool)) == 0:
        out.append("--no-progress")
    return out + rest


def _translate_fasttext(command: str, argv: list[str]) -> list[str]:
    tool = "fastText's"
    values, rest = _pairs(argv, _FASTTEXT_FLAGS, tool)
    if "-input" not in values or "-output" not in values:
        raise _MigrationError(f"fastText's {command} command needs -input FILE and -output PREFIX")
    out = ["train", values["-input"], "-o", values["-output"] + ".vec", "--format", "word2vec-text"]
    out += ["--architecture", "cbow" if command == "cbow" else "skipgram"]
    loss = values.get("-loss", "ns")
    losses = {"ns": "negative", "hs": "hierarchical", "softmax": "softmax"}
    if loss not in losses:
        raise _MigrationError(f"fastText's -loss {loss} is not supported; use ns, hs or softmax")
    if loss != "ns":
        out += ["--loss", losses[loss]]
    # fastText's defaults where they differ from ours.
    out += ["--lr", values.pop("-lr", "0.05"), "--sample", values.pop("-t", "1e-4")]
    maxn = int(_number(values.get("-maxn", "6"), "int", "-maxn", tool))
    if maxn > 0:
        _note("subword n-grams (-minn/-maxn) are not trained: these are plain word2vec vectors "
              "(fastText with -maxn 0); only PREFIX.vec is written, no PREFIX.bin")  # fmt: skip
    if values.get("-verbose") == "0":
        out.append("--no-progress")
    return out + _mapped(values, _FASTTEXT_FLAGS, tool) + rest


def _note(message: str) -> None:
    print(f"skipgram: note: {message}", file=sys.stderr)


def translate_argv(argv: Sequence[str] | None) -> list[str]:
    """:func:`translate` for ``cli.main``: prints the equivalent command, or one error line and exits 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        translated = translate(argv)
    except _MigrationError as exc:
        print(f"skipgram: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if translated != argv:
        print(f"equivalent: skipgram {shlex.join(translated)}", file=sys.stderr)
    return translated
