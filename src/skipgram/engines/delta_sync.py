"""How the ranks of a distributed run combine their matrices: changes, frequency tiers, a compact wire.

Each rank keeps ``last``, a copy of W and W' as they were at the last combination (the same on every
rank). At a round's end a rank's change is ``W - last``; the ranks all-reduce their changes and every
rank sets ``last += combined`` and ``W = last``. The rule for a row (``combine``):

``"sum"`` (default)
    the plain sum (Hogwild across ranks): one process's quality at 2 ranks with 65,536-word rounds. At
    4 ranks the most frequent words' rows, moved the same way by every rank, overshoot and diverge, so
    ``mean_rows`` (the ``sync_mean_rows`` option, 256) of them get the mean of the moves instead.
``"touched"``
    the sum of the changes divided by the number of ranks that changed the row: a word seen by one rank
    gets that rank's whole update, a word every rank moved gets the mean move. Measured worse than
    ``"sum"`` (most rows are moved by every rank, so it is nearly ``"average"``).
``"damped"``
    the sum times ``min(1, sum_i |d_i|^2 / |sum_i d_i|^2)`` over the ranks' changes ``d_i`` of the
    row: changes that point different ways (the rare and middle rows, in their linear regime) are
    summed, as Hogwild would; changes that agree (a frequent row every rank pulled to the same
    place within the round) are averaged instead of overshooting N times. One rank: its own change.
``"average"``
    the sum over all N ranks divided by N, i.e. the parameters' mean (the rule before): a word seen by
    one rank moves N times less than on one process.

Which rows, how often (after pWord2Vec's MPI scheme, Ji et al. 2016: frequent words often, the long
tail rarely): rows are in vocabulary order, most frequent first (for hierarchical softmax W' rows are
Huffman inner nodes, most frequent last, so its order is reversed). The first ``hot_rows`` rows are
combined every round; the rest are cut into ``tail_rounds`` blocks and round r combines block
``r mod tail_rounds``. A row not combined keeps its change locally: nothing is lost, it only arrives
later. Every row is combined at each epoch's end and before a checkpoint (``full=True``).

The wire: changes in fp32, bf16 or fp16 (the "touched" flags are 0/1, exact in every format), the
combined change applied identically on every rank, so the ranks' combined rows stay identical.

The class does no communication itself: :meth:`plan` lists the groups of row ranges, :meth:`pack`
makes a group's wire buffer, the caller all-reduces it (sum) and :meth:`unpack` applies it. A test can
so play N ranks in one process.

Examples
--------
>>> import torch
>>> ranks = [DeltaSync([torch.zeros(3, 2)], world=2) for _ in range(2)]
>>> ranks[0].tensors[0][0] += 1.0; ranks[1].tensors[0][0] += 3.0   # both ranks move row 0
>>> ranks[0].tensors[0][1] += 5.0                                  # only rank 0 moves row 1
>>> for group in ranks[0].plan(round_number=0, full=True):
...     total = sum(r.pack(group) for r in ranks)                  # what all_reduce(SUM) returns
...     for r in ranks:
...         r.unpack(group, total.clone())
>>> ranks[1].tensors[0].tolist()                                   # "sum": both moves count
[[4.0, 4.0], [5.0, 5.0], [0.0, 0.0]]
"""

from __future__ import annotations

import torch

WIRE_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
GROUP_ELEMENTS = 1 << 24  # at most this many values in one all-reduce (64 MB of fp32 deltas)

Range = tuple[int, int, int]  # (matrix index, first row, row after the last)


class DeltaSync:
    """Combine the live matrices ``tensors`` of ``world`` ranks (see the module docstring).

    Parameters
    ----------
    tensors
        The engine's live W and W' (torch tensors; NumPy arrays wrapped with ``torch.from_numpy``),
        changed in place.
    world
        Number of ranks.
    hot_rows, tail_rounds, combine, precision
        :class:`~skipgram.engines.distributed.DistributedOptions` ``sync_hot_rows``,
        ``sync_tail_rounds``, ``sync_combine``, ``sync_precision``.
    reversed_rows
        Per matrix: True when its most frequent rows are its last (hierarchical softmax's W').
    mean_rows
        Per matrix, with ``combine="sum"``: this many most frequent rows get the mean of the changes of
        the ranks that moved them (the per-row "moved" flags then travel too).
    """

    def __init__(
        self,
        tensors: list,
        world: int,
        *,
        hot_rows: int = 1 << 62,
        tail_rounds: int = 1,
        combine: str = "sum",
        precision: str = "fp32",
        reversed_rows: list[bool] | None = None,
        mean_rows: list[int] | None = None,
    ):
        self.tensors = tensors
        self.last = [t.detach().clone() for t in tensors]
        self.combine = combine
        self.scale = 1.0 / world if combine == "average" else 1.0
        self.wire = WIRE_DTYPES[precision]
        self.hot_rows = hot_rows
        self.tail_rounds = tail_rounds
        self.reversed_rows = reversed_rows or [False] * len(tensors)
        self.mean_rows = (mean_rows or [0] * len(tensors)) if combine == "sum" else [0] * len(tensors)
        self._scratch = self._wire = torch.empty(0)

    def reset(self) -> None:
        """The matrices were replaced from outside (identical on every rank): they are the new base."""
        for last, t in zip(self.last, self.tensors, strict=True):
            last.copy_(t)

    # ------------------------------------------------------------------ which rows
    def ranges(self, round_number: int, full: bool) -> list[Range]:
        """Row ranges combined at the end of round ``round_number`` (every row when ``full``)."""
        out = []
        for index, t in enumerate(self.tensors):
            n = t.shape[0]
            hot = min(self.hot_rows, n)
            if full or self.tail_rounds == 1 or hot == n:
                spans = [(0, n)]
            else:
                tail, block = n - hot, round_number % self.tail_rounds
                a = hot + tail * block // self.tail_rounds
                z = hot + tail * (block + 1) // self.tail_rounds
                spans = [(0, hot), (a, z)] if a > hot else [(0, z)]
            if self.reversed_rows[index]:
                spans = [(n - z, n - a) for a, z in spans]
            out += [(index, a, z) for a, z in spans if z > a]
        return out

    def plan(self, round_number: int, full: bool) -> list[list[Range]]:
        """:meth:`ranges` cut into groups of at most ``GROUP_ELEMENTS`` values (one all-reduce each)."""
        groups: list[list[Range]] = [[]]
        size = 0
        for index, a, z in self.ranges(round_number, full):
            width = max(1, self.tensors[index].shape[1])
            step = max(1, GROUP_ELEMENTS // width)
            for lo in range(a, z, step):
                hi = min(z, lo + step)
                if size and size + (hi - lo) * width > GROUP_ELEMENTS:
                    groups.append([])
                    size = 0
                groups[-1].append((index, lo, hi))
                size += (hi - lo) * width
        return [g for g in groups if g]

    # ------------------------------------------------------------------ one group
    def _per_row_span(self, i: int, a: int, z: int) -> tuple[int, int]:
        """The rows of ``(i, a, z)`` that send one value of their own (see :meth:`pack`), as a span."""
        if self.combine in ("touched", "damped"):
            return a, z
        m = self.mean_rows[i]
        if not m:
            return a, a
        if self.reversed_rows[i]:  # the most frequent rows are the last ones
            p = max(a, self.last[i].shape[0] - m)
            return p, max(p, z)
        return a, max(a, min(z, m))

    def _buffers(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """An fp32 scratch and a wire buffer of ``size`` values, kept between rounds: a fresh
        allocation of tens of MB each round costs page faults that were most of a round's local time."""
        if self._scratch.numel() < size:
            self._scratch = torch.empty(size, dtype=torch.float32)
            self._wire = self._scratch if self.wire == torch.float32 else torch.empty(size, dtype=self.wire)
        return self._scratch[:size], self._wire[:size]

    def pack(self, group: list[Range]) -> torch.Tensor:
        """This rank's change on ``group`` as the wire buffer to all-reduce: the changes, then one
        value per row where the rule needs it: 0/1 whether this rank moved it (``"touched"``, and
        the ``mean_rows`` of ``"sum"``), its squared norm (``"damped"``).

        The buffer is reused by the next :meth:`pack`: all-reduce and :meth:`unpack` it first."""
        spans = [self._per_row_span(i, a, z) for i, a, z in group]
        n_values = sum((z - a) * self.last[i].shape[1] for i, a, z in group)
        size = n_values + sum(z - a for a, z in spans)
        scratch, wire = self._buffers(size)
        offset, row = 0, n_values
        for (i, a, z), (p, q) in zip(group, spans, strict=True):
            delta = scratch[offset : offset + (z - a) * self.last[i].shape[1]].view(z - a, -1)
            torch.sub(self.tensors[i][a:z], self.last[i][a:z], out=delta)
            if q > p:
                moved = delta[p - a : q - a]
                if self.combine == "damped":
                    torch.sum(moved * moved, dim=1, out=scratch[row : row + q - p])
                else:
                    scratch[row : row + q - p].copy_((moved != 0).any(dim=1))
            offset += delta.numel()
            row += q - p
        if wire.data_ptr() != scratch.data_ptr():
            wire.copy_(scratch)
        return wire

    def unpack(self, group: list[Range], summed: torch.Tensor) -> None:
        """Apply the all-reduced buffer: ``last += scale * sum`` (per row), then ``W = last``."""
        spans = [self._per_row_span(i, a, z) for i, a, z in group]
        n_values = sum((z - a) * self.last[i].shape[1] for i, a, z in group)
        total, _ = self._buffers(summed.numel())
        if total.data_ptr() != summed.data_ptr():
            total.copy_(summed)
        offset, row = 0, n_values
        for (i, a, z), (p, q) in zip(group, spans, strict=True):
            last = self.last[i][a:z]
            change = total[offset : offset + last.numel()].view_as(last)
            per_row = total[row : row + q - p].unsqueeze(1)  # "touched": ranks that moved the row
            if self.combine == "touched" or (self.mean_rows[i] and q > p):
                # "touched": every row; "sum": the most frequent rows get the mean of the ranks' moves
                change[p - a : q - a].div_(per_row.clamp(min=1.0))
            elif self.combine == "damped":  # per_row: the sum of the ranks' |d_i|^2
                norm2 = (change * change).sum(dim=1, keepdim=True)
                factor = torch.where(norm2 > 0, per_row / norm2.clamp(min=1e-30), 1.0).clamp(max=1.0)
                change.mul_(factor)
            elif self.scale != 1.0:
                change.mul_(self.scale)
            last.add_(change)
            self.tensors[i][a:z].copy_(last)
            offset += last.numel()
            row += q - p

    @staticmethod
    def wire_bytes(buffer: torch.Tensor) -> int:
        return buffer.numel() * buffer.element_size()
