"""What a classifier backend is: the protocol `Classifier` drives, and the label encoding they share.

A backend learns probabilities over CATEGORIES (in that order); `Classifier` adds the decision rule,
versioning and the saved metadata. The backends themselves are listed once, in `registry.py`. This
module imports no backend, so the backends, the metrics and the model all build on it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np
import polars as pl

from cjd_assets.schema import CATEGORIES

Progress = Callable[[int, int], None]


def labels_to_index(labels: pl.Series | list[str]) -> np.ndarray:
    """Class indices in CATEGORIES order; a label outside CATEGORIES is an error naming it."""
    idx = {c: i for i, c in enumerate(CATEGORIES)}
    values = labels.to_list() if isinstance(labels, pl.Series) else list(labels)
    bad = sorted({v for v in values if v not in idx}, key=str)
    if bad:
        raise ValueError(f"labels outside {CATEGORIES}: {bad}")
    return np.array([idx[v] for v in values], dtype=np.int64)


@runtime_checkable
class Backend(Protocol):
    """A trainable probability model over CATEGORIES.

    `train` learns from the `train` rows (and may use `val` for calibration or early stopping, and
    `unlabelled` texts for self-training where the backend does that); `tuning`, when not None, holds
    out-of-fold probabilities (`proba`, `y`, `is_validation`, `folds`) that the decision rule is tuned
    on instead of the validation split. `save` writes into a directory that `load` reads back.
    """

    name: ClassVar[str]  # the registry key, stored in classifier.json and the model version
    labels: ClassVar[tuple[str, ...]]  # the columns of predict_proba, in order
    default_batch_size: ClassVar[int]
    # cheap enough to retrain per cross-validation fold in the evaluation asset
    retrain_per_fold: ClassVar[bool]
    training_log: list | tuple
    tuning: dict | None

    @classmethod
    def train(cls, train: pl.DataFrame, val: pl.DataFrame, unlabelled: pl.DataFrame | None = None,
              **params) -> Backend: ...

    @classmethod
    def load(cls, path: Path) -> Backend: ...

    @classmethod
    def param_names(cls) -> frozenset[str]: ...

    def params_dict(self) -> dict: ...

    def predict_proba(self, df: pl.DataFrame, batch_size: int | None = None,
                      progress: Progress | None = None) -> np.ndarray: ...

    def save(self, path: Path) -> None: ...
