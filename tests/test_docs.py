"""Every ```python block in docs/*.md and the README runs: each page's blocks in order, one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """(first line number, source) of each ```python block."""
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def test_blocks_are_found():
    guide = DOCS / "guide.md"
    assert guide in PAGES
    assert len(python_blocks(guide)) >= 8


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)], ids=lambda p: p.name)
def test_python_blocks_run(page, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)  # pages may write files (pictures, saved vectors)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for line, source in python_blocks(page):
        code = compile(source, f"{page.name}:{line}", "exec")
        exec(code, namespace)


def test_linked_pictures_exist():
    for page in PAGES:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text(encoding="utf-8")):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).is_file(), f"{page.name} links a missing {target}"


def test_the_error_line_in_cli_md_is_what_the_program_prints(tmp_path, capsys):
    """docs/cli.md quotes an unknown-word error for the demo vectors: the demo's vocabulary prints it."""
    import numpy as np

    from skipgram import KeyedVectors, Word2Vec
    from skipgram.cli import main
    from skipgram.datasets import demo_corpus_path
    from skipgram.vocab import Vocabulary

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    shown = re.search(
        r"^\$ skipgram similar vectors\.skipgram (\w+)\n(skipgram similar: .*)$", text, re.MULTILINE
    )
    vocab = Vocabulary.build(demo_corpus_path(), min_count=Word2Vec().min_count)  # what the demo trains on
    vectors = tmp_path / "vectors.skipgram"
    KeyedVectors(vocab.words, np.ones((len(vocab), 2), dtype=np.float32)).save(vectors)
    assert main(["similar", str(vectors), shown.group(1)]) == 1
    assert capsys.readouterr().err.strip() == shown.group(2)


def test_ci_runs_exactly_the_readmes_test_command_and_it_runs_everything(pytestconfig):
    root = DOCS.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    command = re.search(r"\*\*Test it\*\*.*?```bash\n(.*?)\n```", readme, re.DOTALL).group(1)
    ci = (root / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == command
    assert command.endswith(".venv/bin/pytest -q")
    addopts = pytestconfig.getini("addopts")
    assert "--doctest-modules" in addopts and "-m" not in addopts  # doctests run; nothing is deselected
    assert pytestconfig.getini("testpaths") == ["tests", "src/skipgram"]  # every module's examples
    assert any(marker.startswith("slow:") for marker in pytestconfig.getini("markers"))
