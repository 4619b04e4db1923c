"""Split-conformal prediction intervals in log-pay space, per board where the board has enough
calibration rows (boards differ in era and noise), else over all rows."""

from __future__ import annotations

import numpy as np

MIN_GROUP_CALIBRATION = 200  # a board's own residual quantiles need this many calibration rows


def conformal_quantile(resid: np.ndarray, q: float) -> float:
    # Finite-sample split-conformal level: the ceil((n+1) q)-th order statistic.
    n = resid.size
    k = min(max(int(np.ceil((n + 1) * q)), 1), n)
    return float(np.partition(resid, k - 1)[k - 1])


def conformal_offsets(resid: np.ndarray, boards: np.ndarray, interval: float) -> dict[str, tuple[float, float]]:
    """(low, high) log offsets per board for a central `interval`; key "" holds the all-boards pair."""
    a = (1.0 - interval) / 2.0

    def pair(r: np.ndarray) -> tuple[float, float]:
        return (-conformal_quantile(-r, 1.0 - a), conformal_quantile(r, 1.0 - a))

    out = {"": pair(resid)}
    for b in np.unique(boards):
        mask = boards == b
        if b and mask.sum() >= MIN_GROUP_CALIBRATION:
            out[str(b)] = pair(resid[mask])
    return out


def offsets_for(offsets: dict[str, tuple[float, float]], boards: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's (low, high) offsets: its board's own, else the all-boards pair."""
    default = offsets[""]
    pairs = [offsets.get(b, default) for b in boards]
    arr = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]
