"""The parameter table is the one source: Word2Vec's signature and docstring, the CLI and the checks agree."""

from __future__ import annotations

import ast
import inspect
import re

import numpy as np
import pytest

from skipgram import Word2Vec
from skipgram._params import (
    CLI_ELSEWHERE,
    PARAMETERS,
    TRAINING_KEYS,
    add_flags,
    flag_values,
    training_differences,
)
from skipgram.cli import build_parser, main
from skipgram.errors import ParameterError
from skipgram.sampling import keep_probabilities, noise_probabilities


def _docstring_parameters() -> list[tuple[str, str]]:
    """(name, type line) of each entry of Word2Vec's numpy-style Parameters section."""
    doc = inspect.getdoc(Word2Vec)
    section = doc.split("Parameters\n----------\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^(\w+) : (.*)$", section, re.MULTILINE)


def test_signature_matches_the_table():
    signature = inspect.signature(Word2Vec.__init__).parameters
    names = [name for name in signature if name != "self"]
    assert names == list(PARAMETERS)
    for name in names:
        assert signature[name].default == PARAMETERS[name].default, name
        assert signature[name].kind is inspect.Parameter.KEYWORD_ONLY, name


def test_docstring_lists_the_table_with_its_defaults():
    entries = _docstring_parameters()
    assert [name for name, _ in entries] == list(PARAMETERS)
    for name, type_line in entries:
        default = PARAMETERS[name].default
        stated = re.search(r"default (.+)$", type_line)
        if stated:
            assert ast.literal_eval(stated.group(1)) == default, name
        if default is None:
            assert "None" in type_line, f"{name} defaults to None but its docstring does not say so"


def test_get_params_and_repr_follow_the_signature():
    model = Word2Vec(row_cap=2.0, backend="torch")
    assert set(model.get_params()) == set(PARAMETERS)
    assert repr(model) == "Word2Vec(backend='torch', row_cap=2.0)"


def test_training_keys_are_the_ones_marked():
    assert set(TRAINING_KEYS) == {name for name, p in PARAMETERS.items() if p.training}
    assert {"vector_size", "sample", "shared_negatives", "precision"} <= set(TRAINING_KEYS)
    assert not {"workers", "backend", "progress", "cache_dir"} & set(TRAINING_KEYS)


def test_an_older_checkpoint_without_a_new_key_counts_as_its_default():
    defaults = {name: p.default for name, p in PARAMETERS.items()}
    saved = {k: v for k, v in defaults.items() if k not in ("precision", "sync_words")}
    assert training_differences(saved, defaults) == []
    changed = {**defaults, "precision": "bf16"}
    assert training_differences(saved, changed) == ["precision='float32' (now 'bf16')"]


def _train_parser():
    return build_parser()._subparsers._group_actions[0].choices["train"]


def test_every_flag_defaults_to_the_table():
    args = _train_parser().parse_args(["corpus.txt", "-o", "out.bin"])
    assert flag_values(args) == {name: p.default for name, p in PARAMETERS.items() if p.flag}
    # every parameter is reachable from the CLI: by its own flag, or (objects) by those CLI_ELSEWHERE names
    assert all(p.flag is not None or name in CLI_ELSEWHERE for name, p in PARAMETERS.items())


@pytest.mark.parametrize(
    "argv, name, value",
    [
        (["--no-shrink-windows"], "shrink_windows", False),
        (["--pairwise-negatives"], "shared_negatives", False),
        (["--allow-slow-softmax"], "allow_slow_softmax", True),
        (["--no-progress"], "progress", False),
        (["--row-cap", "2.5"], "row_cap", 2.5),
        (["--block-words", "4096"], "block_words", 4096),
        (["--precision", "bf16"], "precision", "bf16"),
        (["--sync-words", "1000"], "sync_words", 1000),
        (["--sync-hot-rows", "0"], "sync_hot_rows", 0),
        (["--sync-tail-rounds", "8"], "sync_tail_rounds", 8),
        (["--sync-combine", "average"], "sync_combine", "average"),
        (["--sync-precision", "fp32"], "sync_precision", "fp32"),
        (["--batch-words", "500"], "batch_words", 500),
    ],
)
def test_flags_set_their_parameter(argv, name, value):
    args = _train_parser().parse_args(["corpus.txt", "-o", "out.bin", *argv])
    assert flag_values(args)[name] == value


def test_help_states_the_defaults_of_the_table():
    import argparse

    parser = argparse.ArgumentParser()
    groups = {name: parser for name in ("model", "vocabulary", "training", "engine")}
    add_flags(groups)
    actions = {a.dest: a for a in parser._actions}
    assert actions["vector_size"].help.endswith("(default: 100)")
    assert actions["sample"].help.endswith("(default: 0.001)")
    assert actions["lr"].help.endswith("(default: 0.025 skip-gram, 0.05 CBOW)")
    assert actions["architecture"].choices == ("skipgram", "cbow")
    for name, p in PARAMETERS.items():
        if p.flag is None:
            continue
        assert "default" not in p.flag.help, f"the help of {name} restates its default by hand"


@pytest.mark.parametrize(
    "name, value",
    [("row_cap", 2.0), ("block_words", 1024), ("precision", "bf16"), ("device", "cpu")],
)
def test_a_torch_option_with_another_backend_is_one_clear_error(name, value):
    also = " or backend='cuda'" if name == "device" else ""  # the CUDA engine picks its GPU too
    with pytest.raises(ParameterError, match=rf"^{name} applies to backend='torch'{also} only$"):
        Word2Vec(backend="numba", **{name: value})._resolved_params()
    Word2Vec(backend="torch", **{name: value})._resolved_params()  # accepted where it applies


def test_a_torch_option_on_the_command_line_with_numba(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\n" * 20)
    code = main(["train", str(corpus), "-o", str(tmp_path / "v.bin"), "--row-cap", "2", "--no-progress"])
    assert code == 1
    assert capsys.readouterr().err.strip() == "skipgram train: error: row_cap applies to --backend torch only"


@pytest.mark.parametrize(
    "name, value",
    [
        ("precision", "fp16"),
        ("row_cap", 0.0),
        ("sync_words", 0),
        ("sync_hot_rows", -1),
        ("sync_tail_rounds", 0),
        ("sync_combine", "mean"),
        ("sync_precision", "fp8"),
    ],
)
def test_new_engine_parameters_are_validated(name, value):
    with pytest.raises(ParameterError, match=f"^The '{name}' parameter of Word2Vec must be [^\n]*{value}"):
        Word2Vec(backend="torch", **{name: value})._resolved_params()


@pytest.mark.parametrize(
    "argv, name",
    [
        (["--sync-hot-rows=-1"], "sync_hot_rows"),  # argparse accepts it; Word2Vec's check refuses it
        (["--sync-tail-rounds", "0"], "--sync-tail-rounds"),
        (["--sync-combine", "mean"], "--sync-combine"),
        (["--sync-precision", "fp8"], "--sync-precision"),
    ],
)
def test_a_bad_sync_setting_on_the_command_line_is_one_line(tmp_path, capsys, argv, name):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\n" * 20)
    code = main(["train", str(corpus), "-o", str(tmp_path / "v.bin"), "--no-progress", *argv])
    assert code in (1, 2)
    err = capsys.readouterr().err.strip()
    assert err.startswith("skipgram train: error: ") and "\n" not in err and name in err
    assert not (tmp_path / "v.bin").exists()


def test_sync_settings_on_the_command_line_reach_the_distributed_options(tmp_path, monkeypatch):
    from skipgram import model as model_module

    seen = []

    def recording(*args, **kwargs):
        setup = make_setup(*args, **kwargs)
        seen.append(setup.distributed)
        return setup

    make_setup = model_module.make_setup
    monkeypatch.setattr(model_module, "make_setup", recording)
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\n" * 20)
    flags = ["--sync-words", "300", "--sync-hot-rows", "2", "--sync-tail-rounds", "3"]
    flags += ["--sync-combine", "average", "--sync-precision", "fp16"]
    argv = ["train", str(corpus), "-o", str(tmp_path / "v.bin"), "--no-progress", "--min-count", "1"]
    assert main([*argv, "--sample", "0", "--epochs", "1", "--workers", "1", *flags]) == 0
    (options,) = seen
    assert (options.sync_words, options.sync_hot_rows, options.sync_tail_rounds) == (300, 2, 3)
    assert (options.sync_combine, options.sync_precision) == ("average", "fp16")


SAMPLE = r"'sample' parameter of \w+ must be a float in the range \[0, 1\]"
NS_EXPONENT = r"'ns_exponent' parameter of \w+ must be a float in the range \[-10, 10\]"


def test_sample_and_ns_exponent_have_one_validator():
    counts = np.array([10, 1])
    for check in (lambda: Word2Vec(sample=2.0)._resolved_params(), lambda: keep_probabilities(counts, 2.0)):
        with pytest.raises(ParameterError, match=SAMPLE):
            check()
    for check in (
        lambda: Word2Vec(ns_exponent=11.0)._resolved_params(),
        lambda: noise_probabilities(counts, 11),
    ):
        with pytest.raises(ParameterError, match=NS_EXPONENT):
            check()


def test_backend_choices_come_from_one_place():
    from skipgram._params import backend_names

    with pytest.raises(ParameterError, match="one of " + ", ".join(repr(n) for n in backend_names())):
        Word2Vec(backend="jax")._resolved_params()
    assert _train_parser()._option_string_actions["--backend"].choices == backend_names()


def test_train_description_takes_its_defaults_from_the_table():
    description = _train_parser().description
    assert f"window {PARAMETERS['window'].default}," in description
    assert f"{PARAMETERS['vector_size'].default} dimensions" in description
    assert "Both of them default to CBOW" in description  # the C tool (-cbow 1) and gensim (sg=0)


def test_the_engine_marks_agree_with_the_engines_options():
    """A parameter marked for an engine is a field of its options (device is a setup field), and back."""
    from dataclasses import fields

    from skipgram.engines import engine_names, get_engine
    from skipgram.engines.distributed import DistributedOptions

    for name, p in PARAMETERS.items():
        for engine in p.engines or ():
            options = get_engine(engine).options
            assert name == "device" or name in {f.name for f in fields(options)}, (name, engine)
    for engine in engine_names():
        options = get_engine(engine).options
        for field in fields(options) if options else ():
            assert engine in (PARAMETERS[field.name].engines or ()), (field.name, engine)
            assert field.default == PARAMETERS[field.name].default, field.name
    from skipgram.engines.distributed import OPTION_CONSTRAINTS

    for field in fields(DistributedOptions):  # every field is a parameter with the same default and checks
        assert field.default == PARAMETERS[field.name].default, field.name
        assert list(PARAMETERS[field.name].constraints) == OPTION_CONSTRAINTS[field.name], field.name


def test_engine_parameters_reach_the_engines_setup():
    from skipgram._params import resolve_params
    from skipgram._setup import make_setup
    from skipgram.corpus import scan
    from skipgram.engines.distributed import DistributedOptions

    vocab, corpus = scan([["a", "b", "a", "c"]] * 3, min_count=1)
    try:
        sync = {"sync_words": 500, "sync_hot_rows": 7, "sync_tail_rounds": 2, "sync_precision": "fp32"}
        params = resolve_params({"backend": "torch", "row_cap": 2.0, "block_words": 1024, **sync})
        setup = make_setup(params, vocab, corpus)
    finally:
        corpus.close()
    assert (setup.options.row_cap, setup.options.block_words, setup.options.precision) == (
        2.0,
        1024,
        "float32",
    )
    assert setup.distributed == DistributedOptions(**sync)  # sync_combine keeps its default
