"""Pictures of trained vectors: a 2-D map of chosen words, and the training-loss curve.

matplotlib is optional (``pip install 'skipgram[plot]'``) and imported only when a plot is drawn.
Figures are drawn with the Agg renderer through matplotlib's object API (no ``pyplot``, so the
caller's backend and open figures are left alone) and written atomically.

Examples
--------
>>> from skipgram.plot import plot_words, plot_loss           # doctest: +SKIP
>>> plot_words(model.wv_, ["king", "queen"], "words.png", neighbours=5)  # doctest: +SKIP
>>> plot_loss(model, "loss.png")                              # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write
from .errors import FormatError, ParameterError

__all__ = ["plot_loss", "plot_words", "project", "read_training_log"]

_INSTALL_HINT = "plotting needs matplotlib: pip install 'skipgram[plot]'"
_TSNE_HINT = "method='tsne' needs scikit-learn: pip install scikit-learn (or use method='pca')"
_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg"}

# Query words get strong colours; their neighbours the same hue, lighter.
_PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
)


def _figure(width: float, height: float):
    """A matplotlib Figure on an Agg canvas, or an ImportError saying how to install matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str | os.PathLike[str]) -> Path:
    """Render to memory, then write the file atomically (a crash never leaves half a PNG)."""
    target = Path(path)
    fmt = _FORMATS.get(target.suffix.lower(), "png" if not target.suffix else None)
    if fmt is None:
        raise ParameterError(
            f"cannot write a picture to {str(target)!r}: use a .png, .svg, .pdf or .jpg file name"
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight", pad_inches=0.15)
    with atomic_write(target, "wb") as handle:
        handle.write(buffer.getvalue())
    return target


# -------------------------------------------------------------------------------------------------
# word maps


def project(vectors: np.ndarray, method: str = "pca", *, seed: int = 0) -> tuple[np.ndarray, str, str]:
    """Rows of ``vectors`` in 2-D; returns ``(points, x_label, y_label)``.

    Rows are scaled to unit length first, so that the picture reflects cosine similarity (the
    measure every query uses), not vector length (which mostly tracks word frequency).

    Examples
    --------
    >>> points, xlabel, _ = project(np.eye(3, dtype=np.float32))
    >>> points.shape, xlabel.startswith("PC1")
    ((3, 2), True)
    """
    x = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms > 0, norms, 1.0)
    if method == "pca":
        centred = x - x.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        components = vt[:2]
        if components.shape[0] < 2:  # a single dimension: pad with a zero axis
            components = np.vstack([components, np.zeros_like(components)])
        points = centred @ components.T
        variance = s**2
        share = variance / variance.sum() if variance.sum() > 0 else np.zeros_like(variance)
        share = np.concatenate([share, np.zeros(2)])[:2]
        return points, f"PC1 ({share[0]:.0%} of variance)", f"PC2 ({share[1]:.0%} of variance)"
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError as exc:
            raise ImportError(_TSNE_HINT) from exc
        n = len(x)
        if n < 4:
            raise ParameterError(f"method='tsne' needs at least 4 words; got {n} (use method='pca')")
        perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
        tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
        return tsne.fit_transform(x), "t-SNE 1", "t-SNE 2"
    raise ParameterError(f"The 'method' parameter of plot_words must be 'pca' or 'tsne'; got {method!r}.")


def _collect(wv, words: Sequence[str], neighbours: int) -> tuple[list[str], list[int], list[bool]]:
    """Words to draw, the query group of each, and whether each is a query word."""
    queries = list(dict.fromkeys(words))
    for word in queries:
        wv.index(word)  # KeyError naming the word and close spellings
    labels = list(queries)
    groups = list(range(len(queries)))
    is_query = [True] * len(queries)
    seen = set(queries)
    if neighbours > 0:
        for group, word in enumerate(queries):
            for other, _ in wv.most_similar(word, topn=neighbours):
                if other not in seen:
                    seen.add(other)
                    labels.append(other)
                    groups.append(group)
                    is_query.append(False)
    return labels, groups, is_query


def plot_words(
    wv,
    words: Sequence[str],
    path: str | os.PathLike[str],
    *,
    neighbours: int = 0,
    method: str = "pca",
    seed: int = 0,
    title: str | None = None,
) -> Path:
    """Draw ``words`` (and each one's ``neighbours`` nearest words) as labelled points in 2-D.

    Parameters
    ----------
    wv : KeyedVectors
    words : the words to show; unknown words raise ``KeyError`` naming the word and close spellings.
    path : the picture to write (``.png``, ``.svg``, ``.pdf``); written atomically.
    neighbours : also draw this many nearest neighbours of each word, in a lighter shade.
    method : ``"pca"`` (NumPy SVD, deterministic) or ``"tsne"`` (needs scikit-learn).
    seed : random state for t-SNE.

    Returns the path written.
    """
    if isinstance(words, str):
        words = words.split()
    if not isinstance(neighbours, (int, np.integer)) or isinstance(neighbours, bool) or neighbours < 0:
        raise ParameterError(
            f"The 'neighbours' parameter of plot_words must be an int in [0, inf); got {neighbours!r}."
        )
    if method not in ("pca", "tsne"):
        raise ParameterError(f"The 'method' parameter of plot_words must be 'pca' or 'tsne'; got {method!r}.")
    labels, groups, is_query = _collect(wv, words, int(neighbours))
    if len(labels) < 2:
        raise ParameterError("plot_words needs at least two words (or neighbours > 0) to draw a map")
    points, xlabel, ylabel = project(np.asarray(wv[labels]), method, seed=seed)

    n = len(labels)
    size = min(14.0, 6.5 + 0.06 * n)
    fig = _figure(size, size * 0.75)
    ax = fig.add_subplot()
    n_groups = max(groups) + 1
    coloured = neighbours > 0 and n_groups > 1
    texts = []
    for i, (label, group, query) in enumerate(zip(labels, groups, is_query, strict=True)):
        colour = _PALETTE[group % len(_PALETTE)] if coloured else _PALETTE[0]
        x, y = points[i]
        if query:
            ax.scatter(x, y, s=60, color=colour, edgecolors="black", linewidths=0.6, zorder=3)
            style = {"fontsize": 12, "fontweight": "bold", "color": "black", "zorder": 4}
        else:
            ax.scatter(x, y, s=28, color=colour, alpha=0.45, linewidths=0, zorder=2)
            style = {"fontsize": 9, "color": colour, "zorder": 3}
        texts.append(ax.annotate(label, (x, y), xytext=(5, 3), textcoords="offset points", **style))
    if coloured:
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], marker="o", linestyle="", color=_PALETTE[g % len(_PALETTE)], label=w)
            for g, w in enumerate(labels[:n_groups])
        ]
        ax.legend(
            handles=handles,
            title="neighbours of",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=10,
        )
    ax.margins(0.12)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, linewidth=0.4, alpha=0.4)
    ax.set_axisbelow(True)
    if title is None:
        title = f"{n} words, {method.upper() if method == 'pca' else 't-SNE'} of cosine geometry"
        if neighbours:
            title += f" ({neighbours} nearest neighbours each)"
    ax.set_title(title)
    _place_labels(fig, ax, texts, points)
    return _save(fig, path)


# Where a label may go relative to its point (offset in points, alignment), best first.
_LABEL_SPOTS = [
    ((5, 3), "left", "bottom"),
    ((5, -3), "left", "top"),
    ((-5, 3), "right", "bottom"),
    ((-5, -3), "right", "top"),
    ((0, 7), "center", "bottom"),
    ((0, -7), "center", "top"),
    ((9, 11), "left", "bottom"),
    ((9, -11), "left", "top"),
    ((-9, 11), "right", "bottom"),
    ((-9, -11), "right", "top"),
]


def _place_labels(fig, ax, texts, points: np.ndarray) -> None:
    """Greedy label placement: each label (query words first) takes the first spot around its
    point that overlaps no label already placed and no other point; failing that, the spot with the
    least overlap. Cheap (no iterative solver) and enough for the tens of words a map shows."""
    fig.canvas.draw()  # run the layout so that positions in pixels are final
    renderer = fig.canvas.get_renderer()
    pixels = ax.transData.transform(points)
    radius = 4.0 * fig.dpi / 72.0
    dots = [(px - radius, py - radius, px + radius, py + radius) for px, py in pixels]
    placed: list[tuple[float, float, float, float]] = []

    def overlap(a, b) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return w * h if w > 0 and h > 0 else 0.0

    for i, text in enumerate(texts):
        best, best_cost = None, None
        for offset, ha, va in _LABEL_SPOTS:
            text.set_position(offset)
            text.set_horizontalalignment(ha)
            text.set_verticalalignment(va)
            e = text.get_window_extent(renderer)
            box = (e.x0, e.y0, e.x1, e.y1)
            cost = sum(overlap(box, other) for other in placed)
            cost += sum(overlap(box, dot) for j, dot in enumerate(dots) if j != i)
            if best_cost is None or cost < best_cost:
                best, best_cost = (offset, ha, va, box), cost
            if cost == 0:
                break
        offset, ha, va, box = best
        text.set_position(offset)
        text.set_horizontalalignment(ha)
        text.set_verticalalignment(va)
        placed.append(box)


# -------------------------------------------------------------------------------------------------
# loss curve


def _read_record(path: str | os.PathLike[str]) -> tuple[Any, Any]:
    """``(training_log, loss_curve)`` as stored in a native file's metadata or a JSON file."""
    from .formats import sniff

    p = Path(path)
    if sniff(p) == "native":  # raises one clear line for a missing file or a folder
        from .io import read_container

        metadata, _ = read_container(p, mmap=True)
        log = _find_key(metadata, "training_log")
        if log is None:
            raise FormatError(
                f"{str(p)!r} has no training record: its metadata holds no 'training_log' "
                "(vectors converted from word2vec format, or saved without training, have none)"
            )
        return log, _find_key(metadata, "loss_curve")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FormatError(
            f"{str(p)!r} has no training record: it is neither a skipgram vectors/checkpoint "
            "file nor a JSON training log (word2vec-format files hold no training record)"
        ) from None
    if isinstance(data, list):
        return data, None
    log = _find_key(data, "training_log")
    if log is None:
        raise FormatError(f"{str(p)!r} has no training record (no 'training_log' list)")
    return log, _find_key(data, "loss_curve")


def read_training_log(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The per-epoch training log recorded in a native vectors/checkpoint file or a JSON file.

    Accepts a native file whose metadata holds ``training_log`` (a list of per-epoch dicts), a
    JSON list of such dicts, a JSON object with a ``training_log`` key, or a JSON list of numbers
    (one mean loss per epoch). Returns dicts with ``epoch``, ``loss`` and ``loss_curve`` (that
    epoch's ``(words_done, loss)`` points, often empty). Raises :class:`FormatError` saying so
    when the file holds no training record.
    """
    log, _ = _read_record(path)
    return _normalise_log(log, Path(path))


def _find_key(metadata: Any, key: str) -> Any:
    """A non-empty list under ``key`` at the top of the metadata or one level down."""
    if not isinstance(metadata, dict):
        return None
    if isinstance(metadata.get(key), list) and metadata[key]:
        return metadata[key]
    for value in metadata.values():
        if isinstance(value, dict) and isinstance(value.get(key), list) and value[key]:
            return value[key]
    return None


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _clean_curve(points: Any) -> list[tuple[float, float]]:
    curve = []
    for point in points or []:
        if isinstance(point, (list, tuple)) and len(point) == 2:
            x, y = _finite(point[0]), _finite(point[1])
            if x is not None and y is not None:
                curve.append((x, y))
    return curve


def _normalise_log(log: Any, source: Any = "training log") -> list[dict[str, Any]]:
    """Per-epoch dicts with a finite ``loss`` and a clean ``loss_curve`` list (possibly empty)."""
    where = f"{str(source)!r}" if isinstance(source, Path) else str(source)
    if not isinstance(log, (list, tuple)) or not log:
        raise FormatError(f"{where} has no training record (an empty or missing training log)")
    epochs = []
    for i, entry in enumerate(log):
        if isinstance(entry, dict):
            epoch = entry.get("epoch", i + 1)
            loss = _finite(entry.get("loss"))
            curve = _clean_curve(entry.get("loss_curve"))
            words = _finite(entry.get("words"))
        else:
            epoch, loss, curve, words = i + 1, _finite(entry), [], None
        if loss is None and curve:
            loss = float(np.mean([y for _, y in curve]))
        if loss is None:
            continue
        epochs.append({"epoch": epoch, "loss": loss, "loss_curve": curve, "words": words})
    if not epochs:
        raise FormatError(f"{where} has no training record: no epoch in its training log has a loss")
    return epochs


def _record_of(source: Any) -> tuple[list[dict[str, Any]], list[tuple[float, float]]]:
    """Per-epoch entries and the loss curve over the whole run, from any accepted source."""
    curve: Any = None
    if isinstance(source, (str, os.PathLike)):
        log, curve = _read_record(source)
    elif getattr(source, "training_log_", None) is not None:  # a fitted Word2Vec
        log, curve = source.training_log_, getattr(source, "loss_curve_", None)
    elif isinstance(getattr(source, "metadata", None), dict):  # KeyedVectors
        log = _find_key(source.metadata, "training_log")
        if log is None:
            raise FormatError("these vectors have no training record (no 'training_log' in their metadata)")
        curve = _find_key(source.metadata, "loss_curve")
    elif isinstance(source, dict):
        log, curve = _find_key(source, "training_log"), _find_key(source, "loss_curve")
    else:
        log = source
    epochs = _normalise_log(log)
    return epochs, _clean_curve(curve)


def _run_curve(epochs, curve) -> tuple[list[float], list[float], list[float]]:
    """``(xs, ys, epoch_ends)`` in words processed since the start of training.

    The run-wide curve (``Word2Vec.loss_curve_``) counts words across epochs; per-epoch curves may
    restart at zero each epoch, so those are laid end to end.
    """
    xs: list[float] = []
    ys: list[float] = []
    if curve:
        xs, ys = [x for x, _ in curve], [y for _, y in curve]
        words = [e["words"] for e in epochs]
        if all(w is not None and w > 0 for w in words):
            ends = list(np.cumsum(words))
            if not 0.5 * xs[-1] <= ends[-1] <= 2.0 * xs[-1]:  # other units: spread evenly
                ends = [xs[-1] * (i + 1) / len(epochs) for i in range(len(epochs))]
        else:
            ends = [xs[-1] * (i + 1) / len(epochs) for i in range(len(epochs))]
        return xs, ys, ends
    ends = []
    offset = 0.0
    for e in epochs:
        points = e["loss_curve"]
        if points and xs and points[0][0] + offset < xs[-1]:
            offset = xs[-1]
        for x, y in points:
            xs.append(x + offset)
            ys.append(y)
        ends.append(xs[-1] if xs else 0.0)
    return xs, ys, ends


def plot_loss(training_log: Any, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Draw the training loss: the loss over the run when recorded, and each epoch's mean loss.

    ``training_log``: a fitted ``Word2Vec`` (its ``training_log_`` and ``loss_curve_``), a
    ``KeyedVectors`` whose metadata holds them, a path accepted by :func:`read_training_log`, or
    the list itself: per-epoch dicts with ``"epoch"``, ``"loss"`` and optionally
    ``"loss_curve": [[words_done, loss], ...]``, or plain numbers. Returns the path written.
    """
    epochs, curve = _record_of(training_log)
    fig = _figure(8.0, 4.8)
    ax = fig.add_subplot()
    xs, ys, ends = _run_curve(epochs, curve)
    if len(xs) >= 2:
        ax.plot(xs, ys, color="#1f77b4", linewidth=1.2, alpha=0.85, label="loss per interval")
        ax.plot(
            ends,
            [e["loss"] for e in epochs],
            "o",
            color="#d62728",
            markersize=6,
            zorder=3,
            label="mean loss of the epoch",
        )
        for i, end in enumerate(ends[:-1]):
            ax.axvline(end, color="grey", linewidth=0.6, linestyle=":", label="epoch end" if i == 0 else None)
        ax.set_xlabel("words processed")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 3), useMathText=True)
        ax.legend(frameon=False)
    else:
        xs_epoch = list(range(1, len(epochs) + 1))
        ax.plot(xs_epoch, [e["loss"] for e in epochs], "o-", color="#1f77b4", markersize=6)
        ax.set_xlabel("epoch")
        step = math.ceil(len(xs_epoch) / 20)
        ax.set_xticks(xs_epoch[::step])
        if len(epochs) == 1:
            ax.set_xlim(0.5, 1.5)
    ax.set_ylabel("training loss (lower is better)")
    ax.grid(True, linewidth=0.4, alpha=0.4)
    ax.margins(x=0.03, y=0.1)
    first, last = epochs[0]["loss"], epochs[-1]["loss"]
    if title is None and len(epochs) == 1:
        title = f"Training loss: 1 epoch, mean {first:.3f}"
    elif title is None:
        title = f"Training loss: {len(epochs)} epochs, mean {first:.3f} → {last:.3f}"
    ax.set_title(title)
    return _save(fig, path)
