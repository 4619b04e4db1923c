"""The study's significance tests: two-sample Z-tests for shares, Wilcoxon rank-sum for medians."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-sample Z-test of p1 = x1/n1 against p2 = x2/n2: `(z, two-sided p)`.

    When both shares are 0 or both 1 there is no variance and no evidence of a difference: (0, 1).
    """
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both samples need at least one posting")
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (p1 - p2) / se
    return z, float(2 * stats.norm.sf(abs(z)))


def ranksum_test(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Wilcoxon rank-sum test (normal approximation, as scipy.stats.ranksums): `(statistic, p)`."""
    res = stats.ranksums(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return float(res.statistic), float(res.pvalue)


def bonferroni(p_values: Sequence[float]) -> list[float]:
    """Bonferroni-adjusted p-values: p * m, capped at 1."""
    m = len(p_values)
    return [min(1.0, p * m) for p in p_values]
