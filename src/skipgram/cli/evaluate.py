"""``skipgram evaluate VECTORS [--analogies FILE] [--similarity FILE...] [--restrict-vocab N]``.

With no files it uses the bundled Google analogy questions and WordSim-353: nothing else needed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..formats import check_readable
from ._common import (
    add_json_argument,
    add_vectors_argument,
    format_cell,
    load_vectors,
    positive_int,
    print_json,
    print_table,
    to_jsonable,
)

DESCRIPTION = """\
Score vectors on word analogies (accuracy on questions-words format: ": section" lines, then
"a b c d" questions) and word similarity (Spearman correlation with human scores on
"word1<TAB>word2<TAB>score" lines). Without --analogies/--similarity it uses the bundled
questions-words.txt and WordSim-353; give only one of them to run only that test.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="analogy accuracy and word-similarity correlation",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vectors_argument(parser)
    parser.add_argument(
        "--analogies",
        metavar="FILE",
        help="analogy questions: a file, or 'words' / 'phrases' for the bundled questions-words.txt / "
        "the C tool's questions-phrases.txt (phrases joined with _, see 'skipgram phrases'); default words",
    )
    parser.add_argument(
        "--similarity",
        metavar="FILE",
        nargs="+",
        help="word-pair similarity file(s) (default: bundled WordSim-353)",
    )
    parser.add_argument(
        "--restrict-vocab",
        type=positive_int,
        default=30000,
        metavar="N",
        help="answer analogies among the N most frequent words (default: %(default)s, the value the C "
        "tool's compute-accuracy suggests; its own default is 0 = all words, gensim's 300000)",
    )
    parser.add_argument(
        "--method",
        choices=("3cosadd", "3cosmul"),
        default="3cosadd",
        type=str.lower,
        help="analogy method (3cosadd)",
    )
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Check every input path before the (slow) evaluation starts.
    bundled = {"words": "questions-words.txt (bundled)", "phrases": "questions-phrases.txt (bundled)"}
    for path in [args.analogies, *(args.similarity or [])]:
        if path is not None and not (path is args.analogies and path in bundled):
            check_readable(path)
    from ..evaluate import analogy_accuracy, similarity_correlation

    wv = load_vectors(args.vectors)
    run_all = args.analogies is None and args.similarity is None

    report: dict[str, Any] = {"vectors": args.vectors}
    if run_all or args.analogies is not None:
        result = analogy_accuracy(wv, args.analogies, restrict_vocab=args.restrict_vocab, method=args.method)
        label = bundled.get(args.analogies) or _name(args.analogies, bundled["words"])
        report["analogies"] = {"file": label}
        report["analogies"].update(to_jsonable(result))
    if run_all or args.similarity:
        report["similarity"] = []
        for path in args.similarity or [None]:
            entry = {"file": _name(path, "wordsim353.tsv (bundled)")}
            entry.update(to_jsonable(similarity_correlation(wv, path)))
            report["similarity"].append(entry)

    if args.json:
        print_json(report)
    else:
        print_report(report)
    return 0


def _name(path: str | None, default: str) -> str:
    return default if path is None else str(Path(path))


def print_report(report: dict[str, Any]) -> None:
    if "analogies" in report:
        print_result("Analogies", report["analogies"])
    for entry in report.get("similarity", []):
        if "analogies" in report or entry is not report["similarity"][0]:
            print()
        print_result("Word similarity", entry)


def print_result(title: str, result: dict[str, Any]) -> None:
    """Scalars as aligned ``name: value`` lines; lists of records (per-section scores) as tables."""
    print(f"{title}: {result.get('file', '')}")
    scalars = {k: v for k, v in result.items() if k != "file" and not isinstance(v, (list, dict))}
    width = max((len(k) for k in scalars), default=0)
    for key, value in scalars.items():
        print(f"  {key.ljust(width)}  {_pretty(key, value)}")
    # Flat records (e.g. the semantic/syntactic totals) form one table; lists of records another.
    flat = {k: v for k, v in result.items() if isinstance(v, dict) and v and not _nested(v)}
    if flat:
        print()
        _print_records([{"name": k, **{c: x for c, x in v.items() if c != "name"}} for k, v in flat.items()])
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            print()
            _print_records(value)
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            print()
            _print_records([{key: name, **row} for name, row in value.items()])


def _nested(value: dict) -> bool:
    return any(isinstance(v, (dict, list)) for v in value.values())


def _print_records(records: list[dict[str, Any]]) -> None:
    headers = list(dict.fromkeys(k for row in records for k in row))
    rows = [[_percent(h, row.get(h)) for h in headers] for row in records]
    print_table(rows, headers)


def _percent(key: str, value: Any) -> Any:
    """Accuracies as percentages; the table right-aligns them with the other numbers."""
    return _Percent(value) if "accuracy" in key and isinstance(value, float) else value


class _Percent(float):
    def __str__(self) -> str:
        return f"{float(self):.1%}"


def _pretty(key: str, value: Any) -> str:
    if isinstance(value, float) and "accuracy" in key:
        return f"{value:.2%}"
    return format_cell(value)
