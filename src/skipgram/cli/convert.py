"""``skipgram convert IN OUT --to word2vec-binary|word2vec-text|native|projector``."""

from __future__ import annotations

import argparse
import textwrap

from .. import formats
from .._paths import check_outputs
from ..errors import ParameterError
from ..formats import FORMATS, format_from_suffix, suffix_rule
from ._common import add_json_argument, print_json


def _description() -> str:
    targets = "\n".join(f"  {f.name:<16} {f.summary}" for f in FORMATS.values())
    return f"""\
Convert vectors between formats. IN may be any readable format (detected from the file's first bytes).
Targets:

{targets}

{textwrap.fill(f"Without --to, OUT's suffix tells the format: {suffix_rule()}.", 100)}
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert vectors between native, word2vec and projector formats",
        description=_description(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="IN", help="vectors file to read")
    parser.add_argument("output", metavar="OUT", help="file to write (a prefix for --to projector)")
    # Checked in run() rather than with argparse `choices`, so that a wrong value is one clear line.
    parser.add_argument("--to", metavar="FORMAT", help="one of: " + ", ".join(FORMATS))
    add_json_argument(parser)
    parser.set_defaults(run=run)


def target_format(to: str | None, output: str) -> str:
    """The format named by ``--to`` (dashes or underscores, any case), else the one OUT's suffix means."""
    if to is None:
        return format_from_suffix(output)
    normalized = to.strip().lower().replace("_", "-")
    if normalized not in FORMATS:
        raise ParameterError(f"unknown format --to {to!r}; choose one of: {', '.join(FORMATS)}")
    return normalized


def run(args: argparse.Namespace) -> int:
    target = target_format(args.to, args.output)
    source = formats.sniff(args.input)
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
    wv = formats.read(args.input, format=source or formats.DEFAULT_FORMAT, mmap=False)
    written = [str(path) for path in formats.write(wv, args.output, target)]

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
