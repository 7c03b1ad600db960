"""The PyTorch skip-gram / CBOW model: two embedding matrices and their losses.

Notation (the seed notes'): ``W`` = ``in_embed.weight`` (V x D), the centre-word vectors; ``W'`` =
``out_embed.weight``, the context-word vectors. For a batch of B predictions, ``h`` (B x D) is the
hidden vector: the centre word's row of ``W`` (skip-gram) or the mean of the context words' rows
(CBOW). ``h``
predicts the target word's row of ``W'`` (skip-gram: the context word; CBOW: the centre word):

- negative sampling: ``L = -log σ(h·W'_o) - Σ_k log σ(-h·W'_nk)``, ``k`` noise words per prediction
  drawn from ``count**0.75`` (or, with a shared pool of S noise words for the whole batch,
  ``(k/S)·Σ_s -log σ(-h·W'_s)``: the same expectation, a B x S matrix product instead of B·k
  gathers);
- full softmax: ``L = -log softmax(h W'^T)_o``, exact cross-entropy over the whole vocabulary.

:meth:`SkipGramModel.forward` returns the summed loss through autograd (the reference, used in
tests). Training uses :meth:`SkipGramModel.sgd_step`, which computes the same gradients in closed
form (no autograd graph, one fused pass) and applies them with ``index_add_``: plain SGD on the
rows in the batch, the sum of per-prediction steps, as the CPU path takes them one after another.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def sample_noise(alias_prob, alias_index, shape, generator) -> torch.Tensor:
    """Draw noise words from a Vose alias table on the tables' device (O(1) per draw).

    ``i = uniform_int(V); i if uniform() < alias_prob[i] else alias_index[i]``.
    """
    vocab_size = alias_prob.shape[0]
    device = alias_prob.device
    i = torch.randint(0, vocab_size, shape, device=device, generator=generator)
    u = torch.rand(shape, device=device, generator=generator)
    return torch.where(u < alias_prob[i], i, alias_index[i])


class SkipGramModel(nn.Module):
    """Two embedding matrices, ``in_embed`` (W) and ``out_embed`` (W').

    Parameters
    ----------
    vocab_size, dim
        V and D.
    output_rows
        Rows of ``W'`` (V unless given).
    generator
        ``torch.Generator`` for the initialisation: W ~ uniform(-0.5/D, 0.5/D), W' = 0 (word2vec's).
    """

    def __init__(self, vocab_size: int, dim: int, *, output_rows=None, generator=None):
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(output_rows or vocab_size, dim)
        with torch.no_grad():
            self.in_embed.weight.uniform_(-0.5 / dim, 0.5 / dim, generator=generator)
            self.out_embed.weight.zero_()

    @classmethod
    def from_arrays(cls, input_vectors: np.ndarray, output_vectors: np.ndarray, device=None):
        """A model holding copies of the given float32 matrices (on ``device``)."""
        model = cls.__new__(cls)
        nn.Module.__init__(model)
        model.in_embed = nn.Embedding.from_pretrained(
            torch.as_tensor(np.ascontiguousarray(input_vectors), dtype=torch.float32),
            freeze=False,
        )
        model.out_embed = nn.Embedding.from_pretrained(
            torch.as_tensor(np.ascontiguousarray(output_vectors), dtype=torch.float32),
            freeze=False,
        )
        return model.to(device) if device is not None else model

    # ----------------------------------------------------------------------------- autograd
    # reference
    def hidden(self, centers=None, context_ids=None, context_mask=None) -> torch.Tensor:
        """``h``: ``W[centers]`` (skip-gram), or the masked mean of ``W[context_ids]`` (CBOW)."""
        if context_ids is None:
            return self.in_embed(centers)
        mask = context_mask.to(self.in_embed.weight.dtype)
        summed = (self.in_embed(context_ids) * mask.unsqueeze(-1)).sum(1)
        return summed / mask.sum(1, keepdim=True).clamp_min(1.0)

    def forward(
        self,
        centers,
        targets,
        negatives=None,
        *,
        loss: str = "negative",
        shared_scale: float = 1.0,
        context_ids=None,
        context_mask=None,
    ) -> torch.Tensor:
        """Summed loss of a batch.

        Skip-gram: ``centers`` (B) predict ``targets`` (B, the context words). CBOW: pass
        ``context_ids`` (B x C) and ``context_mask`` (B x C bool) instead of ``centers``;
        ``targets`` are the centre words. ``negatives``: B x k (one set per prediction) or S (one
        pool for the batch, each term weighted by ``shared_scale`` = k/S). A noise word equal to
        the target is skipped, as in word2vec.c.
        """
        h = self.hidden(centers, context_ids, context_mask)
        if loss == "softmax":
            return F.cross_entropy(h @ self.out_embed.weight.T, targets, reduction="sum")
        if loss != "negative":
            raise ValueError(f"unknown loss {loss!r}")
        positive = (h * self.out_embed(targets)).sum(-1)
        total = F.softplus(-positive).sum()
        if negatives.dim() == 1:  # shared pool: B x S scores from one matrix product
            scores = h @ self.out_embed(negatives).T
            keep = negatives.unsqueeze(0) != targets.unsqueeze(1)
            total = total + shared_scale * (F.softplus(scores) * keep).sum()
        else:
            scores = torch.bmm(self.out_embed(negatives), h.unsqueeze(-1)).squeeze(-1)
            keep = negatives != targets.unsqueeze(1)
            total = total + (F.softplus(scores) * keep).sum()
        return total

    # ----------------------------------------------------------------------------- closed-form SGD
    @torch.no_grad()
    def sgd_step(
        self,
        centers,
        targets,
        negatives,
        lr: float,
        *,
        loss: str = "negative",
        shared_scale: float = 1.0,
        context_ids=None,
        context_mask=None,
        softmax_chunk: int = 1024,
        autocast_dtype=None,
        row_cap: float | None = None,
    ) -> torch.Tensor:
        """One SGD step on the batch; returns the summed loss (a 0-d tensor, not synchronised).

        Gradients are those of :meth:`forward`, computed in closed form. With CBOW, the gradient of
        ``h`` is added to every context word's row unscaled (word2vec.c's and gensim's convention
        for ``cbow_mean``), so the rows move as in the CPU path.
        """
        w_in = self.in_embed.weight
        w_out = self.out_embed.weight
        if context_ids is None:
            h = w_in[centers]
        else:
            mask = context_mask.to(w_in.dtype)
            h = (w_in[context_ids] * mask.unsqueeze(-1)).sum(1)
            h = h / mask.sum(1, keepdim=True).clamp_min(1.0)

        if loss == "softmax":
            loss_sum, grad_h = _softmax_step(h, targets, w_out, lr, softmax_chunk, autocast_dtype)
        else:
            loss_sum, grad_h = _negative_step(h, targets, negatives, w_out, lr, shared_scale, row_cap)

        if context_ids is None:
            rows, grads = centers, grad_h
        else:
            rows = context_ids[context_mask]
            grads = grad_h.repeat_interleave(context_mask.sum(1), dim=0)
        if row_cap is not None:
            grads = grads * _cap_scale(rows, None, w_in.shape[0], row_cap)[rows].unsqueeze(-1)
        w_in.index_add_(0, rows, grads, alpha=-lr)
        return loss_sum


def _cap_scale(rows, weights, n_rows, cap):
    """Per-row factor min(1, cap / occurrences) for a batch's update rows (weights: occurrences)."""
    counts = torch.bincount(rows, weights=weights, minlength=n_rows)
    return (cap / counts.clamp_min(cap)).to(torch.float32)


def _negative_step(h, targets, negatives, w_out, lr, shared_scale, row_cap=None):
    """Negative sampling: update W' in place, return (loss_sum, dL/dh)."""
    scale = None
    if row_cap is not None:
        if negatives.dim() == 1:  # a pool row takes B·k/S updates at once
            rows = torch.cat([targets, negatives])
            weights = torch.cat(
                [
                    torch.ones_like(targets, dtype=h.dtype),
                    torch.full_like(negatives, h.shape[0] * shared_scale, dtype=h.dtype),
                ]
            )
        else:
            rows, weights = torch.cat([targets, negatives.reshape(-1)]), None
        scale = _cap_scale(rows, weights, w_out.shape[0], row_cap)
    out_pos = w_out[targets]
    s_pos = (h * out_pos).sum(-1)
    g_pos = torch.sigmoid(s_pos) - 1.0  # dL/ds for the true target
    loss_sum = F.softplus(-s_pos).sum()
    grad_h = g_pos.unsqueeze(-1) * out_pos
    if negatives.dim() == 1:
        out_neg = w_out[negatives]  # S x D
        scores = h @ out_neg.T  # B x S
        keep = (negatives.unsqueeze(0) != targets.unsqueeze(1)).to(h.dtype) * shared_scale
        g_neg = torch.sigmoid(scores) * keep
        loss_sum = loss_sum + (F.softplus(scores) * keep).sum()
        grad_h = grad_h + g_neg @ out_neg
        grad_neg = g_neg.T @ h  # S x D
        if scale is not None:
            grad_neg = grad_neg * scale[negatives].unsqueeze(-1)
        w_out.index_add_(0, negatives, grad_neg, alpha=-lr)
    else:
        out_neg = w_out[negatives]  # B x k x D
        scores = torch.bmm(out_neg, h.unsqueeze(-1)).squeeze(-1)  # B x k
        keep = (negatives != targets.unsqueeze(1)).to(h.dtype)
        g_neg = torch.sigmoid(scores) * keep
        loss_sum = loss_sum + (F.softplus(scores) * keep).sum()
        grad_h = grad_h + torch.bmm(g_neg.unsqueeze(1), out_neg).squeeze(1)
        grad_neg = g_neg.unsqueeze(-1) * h.unsqueeze(1)
        if scale is not None:
            grad_neg = grad_neg * scale[negatives].unsqueeze(-1)
        w_out.index_add_(0, negatives.reshape(-1), grad_neg.reshape(-1, h.shape[1]), alpha=-lr)
    grad_pos = g_pos.unsqueeze(-1) * h
    if scale is not None:
        grad_pos = grad_pos * scale[targets].unsqueeze(-1)
    w_out.index_add_(0, targets, grad_pos, alpha=-lr)
    return loss_sum, grad_h


def _softmax_step(h, targets, w_out, lr, chunk, autocast_dtype):
    """Exact softmax cross-entropy, in chunks of ``chunk`` rows so B x V logits stay bounded.

    All chunks read the same W' (one synchronous batch step), then W' is updated once.
    """
    loss_sum = h.new_zeros(())
    grad_h = torch.empty_like(h)
    grad_out = torch.zeros_like(w_out)
    for begin in range(0, h.shape[0], chunk):
        hc = h[begin : begin + chunk]
        tc = targets[begin : begin + chunk]
        if autocast_dtype is not None:
            with torch.autocast(h.device.type, dtype=autocast_dtype):
                logits = hc @ w_out.T
            logits = logits.float()
        else:
            logits = hc @ w_out.T
        log_p = torch.log_softmax(logits, dim=-1)
        loss_sum = loss_sum - log_p.gather(1, tc.unsqueeze(1)).sum()
        g = log_p.exp_()  # dL/dlogits = softmax - onehot
        g[torch.arange(g.shape[0], device=g.device), tc] -= 1.0
        grad_h[begin : begin + chunk] = g @ w_out
        grad_out.addmm_(g.T, hc)
    w_out.add_(grad_out, alpha=-lr)
    return loss_sum, grad_h


def softmax_chunk_rows(vocab_size: int, budget: int = 1 << 24) -> int:
    """Rows per softmax chunk so a chunk's logits hold at most ``budget`` floats."""
    return max(1, min(4096, budget // max(1, vocab_size)))


def init_input_vectors(vocab_size: int, dim: int, seed: int) -> np.ndarray:
    """word2vec's initialisation of W as NumPy (uniform(-0.5/D, 0.5/D)), for tests and tools."""
    rng = np.random.default_rng(seed)
    return ((rng.random((vocab_size, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)


__all__ = [
    "SkipGramModel",
    "init_input_vectors",
    "sample_noise",
    "softmax_chunk_rows",
]
