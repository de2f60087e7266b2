"""Deterministic integer allocation: split published totals into community-level counts exactly.

Every function takes a ``numpy.random.Generator`` for its random choices, so one seed gives one
result; none of them searches by trial and error against a target.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into non-negative integers proportional to ``weights`` (Hamilton's method).

    The parts add up to ``total`` exactly; a zero weight gets zero.
    """
    w = np.asarray(weights, dtype=float)
    if total < 0:
        raise ValueError(f"cannot split a negative total {total}")
    if len(w) == 0:
        if total:
            raise ValueError("no parts to split a non-zero total into")
        return []
    if w.sum() <= 0:
        raise ValueError("weights must have a positive sum")
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    order = np.lexsort((np.arange(len(w)), -(exact - base)))  # largest fraction first, stable
    base[order[:short]] += 1
    return [int(x) for x in base]


def split_with_minimum(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """Split ``total`` proportional to ``weights`` with at least ``minimum`` in every part."""
    n = len(weights)
    if total < minimum * n:
        raise ValueError(f"total {total} is below {minimum} x {n} parts")
    rest = largest_remainder(total - minimum * n, weights) if n else []
    return [minimum + r for r in rest]


def capped_split(total: int, weights: Sequence[float], caps: Sequence[int],
                 minimum: int = 0) -> list[int]:
    """Split ``total`` proportional to ``weights``, no part above its cap nor below ``minimum``.

    Water-filling: parts that would exceed their cap are fixed at the cap and the rest is
    shared again among the others.
    """
    n = len(weights)
    caps_a = np.asarray(caps, dtype=np.int64)
    if total > int(caps_a.sum()) or total < minimum * n or (caps_a < minimum).any():
        raise ValueError(f"cannot split {total} into {n} parts with caps {list(caps)} and minimum {minimum}")
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        rest = total - sum(fixed.values())
        parts = split_with_minimum(rest, [weights[i] for i in free], minimum) if free else []
        over = [i for i, p in zip(free, parts, strict=True) if p > caps_a[i]]
        if not over:
            out = [0] * n
            for i, v in fixed.items():
                out[i] = v
            for i, p in zip(free, parts, strict=True):
                out[i] = p
            return out
        for i in over:
            fixed[i] = int(caps_a[i])


def matrix_with_margins(row_totals: Sequence[int], col_totals: Sequence[int],
                        rng: np.random.Generator, noise: float = 0.0) -> np.ndarray:
    """A non-negative integer matrix whose rows and columns add up to the given totals exactly.

    Cells are close to ``row * col / total`` (independence), optionally perturbed by
    multiplicative ``noise`` (0 = none) before the margins are restored.
    """
    r = np.asarray(row_totals, dtype=np.int64)
    c = np.asarray(col_totals, dtype=np.int64)
    total = int(r.sum())
    if total != int(c.sum()):
        raise ValueError(f"row totals ({total}) and column totals ({int(c.sum())}) differ")
    if total == 0:
        return np.zeros((len(r), len(c)), dtype=np.int64)
    real = np.outer(r, c).astype(float) / total
    if noise:
        real = real * rng.lognormal(0.0, noise, size=real.shape)
        for _ in range(30):  # iterative proportional fitting back to the margins
            rs = real.sum(axis=1, keepdims=True)
            real = np.divide(real * r[:, None], rs, out=np.zeros_like(real), where=rs > 0)
            cs = real.sum(axis=0, keepdims=True)
            real = np.divide(real * c[None, :], cs, out=np.zeros_like(real), where=cs > 0)
    base = np.floor(real).astype(np.int64)
    # IPF may leave a row slightly above its total after flooring: take the excess back
    for i in np.flatnonzero(base.sum(axis=1) > r):
        excess = int(base[i].sum() - r[i])
        for j in np.argsort(-base[i]):
            take = min(excess, int(base[i, j]))
            base[i, j] -= take
            excess -= take
            if not excess:
                break
    for j in np.flatnonzero(base.sum(axis=0) > c):
        excess = int(base[:, j].sum() - c[j])
        for i in np.argsort(-base[:, j]):
            take = min(excess, int(base[i, j]))
            base[i, j] -= take
            excess -= take
            if not excess:
                break
    rr = r - base.sum(axis=1)
    cr = c - base.sum(axis=0)
    frac = real - np.floor(real) + rng.random(real.shape) * 1e-6
    for flat in np.argsort(-frac, axis=None):
        row, col = divmod(int(flat), len(c))
        if rr[row] > 0 and cr[col] > 0:
            base[row, col] += 1
            rr[row] -= 1
            cr[col] -= 1
    row = col = 0
    while row < len(r) and col < len(c):  # north-west corner for what is left
        take = min(rr[row], cr[col])
        base[row, col] += take
        rr[row] -= take
        cr[col] -= take
        if rr[row] == 0:
            row += 1
        if col < len(c) and cr[col] == 0:
            col += 1
    assert (base.sum(axis=1) == r).all() and (base.sum(axis=0) == c).all() and (base >= 0).all()
    return base


def scores_with_sum(n: int, target_sum: int, rng: np.random.Generator, spread: float = 1.0,
                    low: int = 0, high: int = 5) -> list[int]:
    """``n`` integer scores in ``[low, high]`` whose sum is exactly ``target_sum``."""
    if not n * low <= target_sum <= n * high:
        raise ValueError(f"{n} scores in [{low}, {high}] cannot add up to {target_sum}")
    mean = target_sum / n if n else 0.0
    v = np.clip(np.rint(mean + rng.normal(0.0, spread, size=n)), low, high).astype(np.int64)
    diff = int(target_sum - v.sum())
    while diff:
        step = 1 if diff > 0 else -1
        ok = np.flatnonzero(v < high) if step > 0 else np.flatnonzero(v > low)
        pick = rng.choice(ok, size=min(abs(diff), len(ok)), replace=False)
        v[pick] += step
        diff -= step * len(pick)
    return [int(x) for x in v]
