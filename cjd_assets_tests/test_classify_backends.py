"""The classify package's structure: one registry of backends that all follow the Backend protocol and
take the settings the resource passes them; no import cycle, counting imports inside functions too
(they used to hide one); importing the package in a fresh interpreter does not load torch."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import inspect

import pytest

import cjd_assets.classify as classify_pkg
from cjd_assets.classify import BACKENDS, Backend, backend_class
from cjd_assets.resources import ClassifierSettings
from cjd_assets.schema import CATEGORIES

PKG = "cjd_assets.classify"
PKG_DIR = Path(classify_pkg.__file__).parent
MODULES = sorted(f"{PKG}.{p.stem}" for p in PKG_DIR.glob("*.py") if p.stem != "__init__")


def _imported_modules(path: Path, module: str) -> set[str]:
    """Every cjd_assets.classify module `path` imports, at any depth of the file (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                parent = module.rsplit(".", node.level)[0]
                base = f"{parent}.{base}" if base else parent
            # `from pkg import mod` imports the submodule mod where one exists
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n in MODULES}
    return found - {module}


def test_module_graph_has_no_cycle():
    graph = {m: _imported_modules(PKG_DIR / f"{m.rsplit('.', 1)[1]}.py", m) for m in MODULES}
    assert graph[f"{PKG}.model"] >= {f"{PKG}.registry", f"{PKG}.backend"}  # the parser sees real imports
    assert f"{PKG}.model" not in graph[f"{PKG}.fast"] | graph[f"{PKG}.bert"] | graph[f"{PKG}.evaluate"]
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        raise AssertionError(f"import cycle in {PKG}: {' -> '.join(e.args[1])}") from None
    assert set(order) == set(MODULES)


def test_package_imports_in_a_fresh_interpreter_without_torch():
    # torch takes seconds to import and only BERT needs it: the bert module imports it in its functions
    code = f"import sys, {PKG}; print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_registered_backends_follow_the_protocol(name):
    cls = backend_class(name)
    assert cls.name == name and tuple(cls.labels) == CATEGORIES and cls.default_batch_size > 0
    members = {m for m in dir(Backend) if not m.startswith("_")} | set(Backend.__annotations__)
    assert members <= set(dir(cls)) | {"training_log"}  # bert sets its log per instance
    # same call shape as the protocol: train(train, val, unlabelled=None, **params), load(path)
    assert list(inspect.signature(cls.train).parameters)[:3] == ["train", "val", "unlabelled"]
    # the resource passes a backend only settings its parameter class accepts
    params = ClassifierSettings(backend=name).train_params()
    assert set(params) <= cls.param_names()
    assert name != "bert" or {"model_name_or_path", "epochs", "learning_rate"} <= set(params)


def test_an_unknown_backend_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown backend 'gpt'.*bert, fast"):
        backend_class("gpt")
    with pytest.raises(ValueError, match="unknown backend 'gpt'"):
        ClassifierSettings(backend="gpt").train_params()
