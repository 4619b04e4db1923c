"""A fitted salary model on disk: a pickle of its state plus a JSON sidecar (version, params,
evaluation) for people. The pickle holds plain containers, numpy arrays and the sklearn booster, never
a class of this package, so a model saved before a refactor still loads."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any


def write_state(state: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
    meta = {k: state.get(k) for k in ("version", "params", "evaluation")}
    path.with_suffix(path.suffix + ".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return path


def read_state(path: str | Path) -> dict[str, Any]:
    with Path(path).open("rb") as fh:
        return pickle.load(fh)
