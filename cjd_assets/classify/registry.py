"""The classifier backends by name: the one place a backend name becomes a class.

`train_classifier`, `load_classifier`, the classifier settings and the evaluation asset all look a
backend up here, so adding one is one entry. Importing the bert module is cheap: it imports torch and
transformers only when a BERT model is trained or loaded.
"""

from __future__ import annotations

from cjd_assets.classify.backend import Backend
from cjd_assets.classify.bert import BertBackend
from cjd_assets.classify.fast import FastBackend

BACKENDS: dict[str, type[Backend]] = {cls.name: cls for cls in (FastBackend, BertBackend)}


def backend_class(name: str) -> type[Backend]:
    """The backend registered as `name`; a ValueError naming the known ones otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r} (known: {', '.join(sorted(BACKENDS))})") from None
