"""``skipgram query VECTORS``: load vectors once, then answer queries read one per line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from ..errors import SkipgramError
from ._common import (
    add_json_argument,
    add_vectors_argument,
    load_vectors,
    neighbours_as_dicts,
    positive_int,
    print_neighbours,
    to_jsonable,
)
from .analogy import solve

HELP = """\
Queries, one per line:
  king                 nearest neighbours of a word
  man king woman       analogy: man is to king as woman is to ?
  king - man + woman   neighbours of a sum of word vectors (spaces around + and -)
  king queen prince    (two, or four or more, words: neighbours of their sum)
  :sim cat dog         cosine similarity of two words
  :odd cat dog car     which word does not belong
  :k 20                show 20 results from now on
  :method 3cosmul      analogy method (3cosadd or 3cosmul)
  :help                this text
  :quit                leave (or Ctrl-D)"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "query",
        help="interactive neighbours / analogy / similarity queries",
        description="Load VECTORS once, then read queries from standard input.\n\n" + HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vectors_argument(parser)
    parser.add_argument("-k", "--topn", type=positive_int, default=10, help="results per query (10)")
    parser.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd", type=str.lower)
    add_json_argument(parser)
    parser.set_defaults(run=run)


class Session:
    """State of one query session; :meth:`answer` handles one line and says whether to go on."""

    def __init__(
        self,
        wv,
        *,
        topn: int = 10,
        method: str = "3cosadd",
        json_output: bool = False,
        out: TextIO | None = None,
    ) -> None:
        self.wv = wv
        self.topn = topn
        self.method = method
        self.json = json_output
        self.out = out or sys.stdout

    # -- output ----------------------------------------------------------------------
    def emit(self, record: dict[str, Any], text: str | None = None) -> None:
        if self.json:
            print(json.dumps(to_jsonable(record), ensure_ascii=False), file=self.out)
        elif text is not None:
            print(text, file=self.out)

    def neighbours(self, query: str, kind: str, pairs, title: str, score_name: str = "cosine") -> None:
        if self.json:
            self.emit({"query": query, "kind": kind, "results": neighbours_as_dicts(pairs)})
        else:
            print_neighbours(title, pairs, score_name=score_name, file=self.out)
            print(file=self.out)

    # -- dispatch --------------------------------------------------------------------
    def answer(self, line: str) -> bool:
        """Answer one line; return False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        try:
            if line.startswith(":"):
                return self.command(line)
            self.words(line)
        except KeyError as exc:
            self.error(line, exc.args[0] if exc.args else str(exc))
        except (SkipgramError, ValueError) as exc:
            self.error(line, str(exc))
        return True

    def error(self, query: str, message: str) -> None:
        self.emit({"query": query, "error": message}, f"! {message}")

    def command(self, line: str) -> bool:
        name, *rest = line.split()
        name = name.lower()
        if name in (":q", ":quit", ":exit"):
            return False
        if name in (":h", ":help", ":?"):
            self.emit({"query": line, "help": HELP}, HELP)
        elif name == ":sim":
            if len(rest) != 2:
                raise ValueError("usage: :sim WORD1 WORD2")
            value = float(self.wv.similarity(rest[0], rest[1]))
            self.emit(
                {"query": line, "kind": "similarity", "words": rest, "similarity": value},
                f"cosine({rest[0]}, {rest[1]}) = {value:.4f}",
            )
        elif name == ":odd":
            if len(rest) < 3:
                raise ValueError("usage: :odd WORD1 WORD2 WORD3 [...]")
            odd = self.wv.doesnt_match(rest)
            self.emit(
                {"query": line, "kind": "doesnt_match", "words": rest, "answer": odd},
                f"odd one out: {odd}",
            )
        elif name == ":k":
            if len(rest) != 1 or not rest[0].isdigit() or int(rest[0]) < 1:
                raise ValueError("usage: :k N   (N >= 1)")
            self.topn = int(rest[0])
            self.emit({"query": line, "topn": self.topn}, f"showing {self.topn} results")
        elif name == ":method":
            if len(rest) != 1 or rest[0].lower() not in ("3cosadd", "3cosmul"):
                raise ValueError("usage: :method 3cosadd|3cosmul")
            self.method = rest[0].lower()
            self.emit({"query": line, "method": self.method}, f"analogy method: {self.method}")
        else:
            raise ValueError(f"unknown command {name!r}; type :help for the list")
        return True

    def words(self, line: str) -> None:
        tokens = line.split()
        if "+" in tokens or "-" in tokens:
            positive, negative = parse_expression(tokens)
            for word in positive + negative:
                self.wv.index(word)
            pairs = self.wv.most_similar(positive=positive, negative=negative, topn=self.topn)
            self.neighbours(line, "expression", pairs, " ".join(tokens))
        elif len(tokens) == 1:
            self.wv.index(tokens[0])
            pairs = self.wv.most_similar(positive=tokens, topn=self.topn)
            self.neighbours(line, "neighbours", pairs, f"neighbours of {tokens[0]}")
        elif len(tokens) == 3:
            a, b, c = tokens
            pairs = solve(self.wv, a, b, c, topn=self.topn, method=self.method)
            score = "score" if self.method == "3cosmul" else "cosine"
            self.neighbours(line, "analogy", pairs, f"{a} : {b} :: {c} : ?", score)
        else:
            for word in tokens:
                self.wv.index(word)
            pairs = self.wv.most_similar(positive=tokens, topn=self.topn)
            self.neighbours(line, "sum", pairs, " + ".join(tokens))


def parse_expression(tokens: list[str]) -> tuple[list[str], list[str]]:
    """``["king", "-", "man", "+", "woman"]`` → ``(["king", "woman"], ["man"])``.

    Examples
    --------
    >>> parse_expression("- man + woman king".split())
    (['woman', 'king'], ['man'])
    """
    positive: list[str] = []
    negative: list[str] = []
    sign = +1
    expect_word = True
    for token in tokens:
        if token in ("+", "-"):
            if not expect_word and token == "+":
                sign = +1
            elif not expect_word and token == "-":
                sign = -1
            elif positive or negative:
                raise ValueError("two operators in a row; write e.g. 'king - man + woman'")
            else:
                sign = -1 if token == "-" else +1
            expect_word = True
            continue
        (positive if sign > 0 else negative).append(token)
        sign = +1
        expect_word = False
    if expect_word:
        raise ValueError("the expression ends with an operator; write e.g. 'king - man + woman'")
    if not positive:
        raise ValueError("an expression needs at least one word with a + sign")
    return positive, negative


def run(args: argparse.Namespace) -> int:
    wv = load_vectors(args.vectors)
    session = Session(wv, topn=args.topn, method=args.method, json_output=args.json)
    interactive = sys.stdin.isatty()
    if interactive:
        try:  # line editing and history for input(), where the platform has it
            import readline  # noqa: F401
        except ImportError:
            pass
        print(
            f"{len(wv):,} words × {wv.vector_size} dimensions from {args.vectors}. "
            "Type a word, 'a b c' for an analogy, :help, or :quit.",
            file=sys.stderr,
        )
        while True:
            try:
                line = input("> ")
            except EOFError:
                print(file=sys.stderr)
                return 0
            if not session.answer(line):
                return 0
    for line in sys.stdin:
        if not session.answer(line):
            break
        sys.stdout.flush()
    return 0
