"""The classify package has no import cycle, counting imports inside functions too (they used to hide
one), and importing it in a fresh interpreter does not load torch."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import cjd_assets.classify as classify_pkg

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
