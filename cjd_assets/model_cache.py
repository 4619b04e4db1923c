"""Trained models kept under a digest of what they were trained from, so a run retrains only when that changed.

The key covers the training rows (every value, in order), the settings, a version string and the source of
the code that trains (a module, or every file of a package): an edit to the trainer that forgets to bump a
version constant still retrains. Dagster-free; assets call `cached(...)` in place of their train call.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import polars as pl

M = TypeVar("M")
_DONE = "COMPLETE"


def frame_digest(df: pl.DataFrame) -> str:
    """Digest of a frame's column names, types and every value in row order."""
    h = hashlib.sha256(json.dumps([[c, str(t)] for c, t in df.schema.items()]).encode())
    h.update(str(df.height).encode())
    if df.height and df.width:
        # Polars' row hash is stable for one Polars release; the release is part of the key.
        h.update(df.hash_rows(seed=0).to_numpy().tobytes())
    h.update(pl.__version__.encode())
    return h.hexdigest()


def code_digest(*modules: ModuleType) -> str:
    """Digest of the modules' source; a package counts every .py file under its folder."""
    h = hashlib.sha256()
    for m in modules:
        path = Path(inspect.getfile(m))
        files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(inputs: pl.DataFrame, settings: dict, version: str, code: tuple[ModuleType, ...] = ()) -> str:
    h = hashlib.sha256(json.dumps({"settings": settings, "version": version}, sort_keys=True, default=str).encode())
    h.update(frame_digest(inputs).encode())
    h.update(code_digest(*code).encode())
    return h.hexdigest()[:20]


def cached(
    cache_dir: Path, name: str, inputs: pl.DataFrame, settings: dict, version: str,
    train: Callable[[], M], save: Callable[[M, Path], object], load: Callable[[Path], M],
    code: tuple[ModuleType, ...] = (),
) -> tuple[M, bool]:
    """(model, reused): the model saved under `cache_dir/<name>-<key>` when one is complete there and
    loads, else `train()` saved there (written aside, then renamed, so a killed run leaves no half entry)."""
    entry = Path(cache_dir) / f"{name}-{cache_key(inputs, settings, version, code)}"
    if (entry / _DONE).exists():
        try:
            return load(entry / "model"), True
        except Exception:  # unreadable (a library upgrade, a damaged file): train again over it
            shutil.rmtree(entry, ignore_errors=True)
    model = train()
    tmp = entry.with_name(entry.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save(model, tmp / "model")
    (tmp / _DONE).write_text(json.dumps({"settings": settings, "version": version}, default=str))
    shutil.rmtree(entry, ignore_errors=True)
    tmp.rename(entry)
    return model, False


def save_pickle(obj: object, path: Path) -> None:
    """`save` for a plain result (a dict of frames): a pickle."""
    with Path(path).open("wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load_pickle(path: Path) -> object:
    with Path(path).open("rb") as fh:
        return pickle.load(fh)
