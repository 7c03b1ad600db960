"""``skipgram convert IN OUT --to word2vec-binary|word2vec-text|native|projector``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._paths import check_outputs
from ..errors import ParameterError
from ._common import add_json_argument, load_vectors, print_json, sniff_format

TARGETS = ("native", "word2vec-binary", "word2vec-text", "projector")
# Guess --to from OUT's suffix when it is left out.
_BY_SUFFIX = {
    ".bin": "word2vec-binary",
    ".txt": "word2vec-text",
    ".vec": "word2vec-text",
    ".skipgram": "native",
    ".sg": "native",
}

DESCRIPTION = """\
Convert vectors between formats. IN may be skipgram's native format or word2vec
binary/text (detected from the file). Targets:

  native           skipgram's own file: safe to load (no pickle), memory-mappable
  word2vec-binary  the C tool's binary format (gensim: load_word2vec_format(binary=True))
  word2vec-text    the C tool's text format: "word v1 v2 ..." lines
  projector        OUT is a prefix: writes OUT_vectors.tsv and OUT_metadata.tsv for
                   https://projector.tensorflow.org

Without --to, a .bin OUT means word2vec-binary, .txt/.vec word2vec-text and .skipgram native.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert vectors between native, word2vec and projector formats",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="IN", help="vectors file to read")
    parser.add_argument("output", metavar="OUT", help="file to write (a prefix for --to projector)")
    # Checked in run() rather than with argparse `choices`, so that a wrong value is one clear line.
    parser.add_argument("--to", metavar="FORMAT", help="one of: " + ", ".join(TARGETS))
    add_json_argument(parser)
    parser.set_defaults(run=run)


def target_format(to: str | None, output: str) -> str:
    if to is None:
        guess = _BY_SUFFIX.get(Path(output).suffix.lower())
        if guess is None:
            raise ParameterError(
                f"cannot tell the output format from {output!r}; add --to with one of: {', '.join(TARGETS)}"
            )
        return guess
    normalized = to.strip().lower().replace("_", "-")
    if normalized not in TARGETS:
        raise ParameterError(f"unknown format --to {to!r}; choose one of: {', '.join(TARGETS)}")
    return normalized


def run(args: argparse.Namespace) -> int:
    target = target_format(args.to, args.output)
    source = sniff_format(args.input)
    if target == "projector":
        outputs = {
            "OUT (vectors)": f"{args.output}_vectors.tsv",
            "OUT (metadata)": f"{args.output}_metadata.tsv",
        }
    else:
        outputs = {"OUT": args.output}
    # IN == OUT is allowed (the input is read fully first), so only the outputs' own checks apply.
    check_outputs(outputs, inputs=[] if target != "projector" else [args.input])
    # Read fully (no memory map): OUT may be the same path as IN.
    wv = load_vectors(args.input, mmap=False)
    if target == "native":
        wv.save(args.output)
        written = [args.output]
    elif target == "word2vec-binary":
        wv.save_word2vec_format(args.output, binary=True)
        written = [args.output]
    elif target == "word2vec-text":
        wv.save_word2vec_format(args.output, binary=False)
        written = [args.output]
    else:
        result = wv.save_projector(args.output)
        written = _projector_files(result, args.output)

    summary = {
        "input": args.input,
        "input_format": source,
        "format": target,
        "words": len(wv),
        "dimension": int(wv.vector_size),
        "written": written,
    }
    if args.json:
        print_json(summary)
    else:
        files = ", ".join(written)
        print(f"wrote {len(wv):,} words × {wv.vector_size} dimensions as {target}: {files}")
    return 0


def _projector_files(result, prefix: str) -> list[str]:
    """The files save_projector wrote (whatever it returns), else the ones next to the prefix."""
    if isinstance(result, (list, tuple)) and result:
        return [str(p) for p in result]
    if isinstance(result, (str, Path)):
        return [str(result)]
    base = Path(prefix)
    return sorted(str(p) for p in base.parent.glob(base.name + "*.tsv"))
