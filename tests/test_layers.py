"""The package's architecture as tests (docs/ARCHITECTURE.md): every import points down a layer or
back to an earlier notebook's module, there are no import cycles, and layer 0 imports no runtime.

Imports are read from the source (``ast``), function-level ones included, so a lazy import that
points the wrong way fails here as surely as a module-level one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "accelkit"

# folder (or L0 module) -> layer; the notebooks' own topic modules sit at layer 4, ordered by notebook
LAYERS = {"errors": 0, "config": 0, "core": 0, "models": 1, "runtimes": 2, "harness": 3, "learn": 5, "tools": 6}
TOPICS = {"hardware": 0, "benchapp": 0, "providers": 1, "partition": 1, "epdevices": 1, "graphopt": 2, "ir": 3, "quant": 4, "sensitivity": 4, "devices": 5,
          "iobind": 6, "roofline": 7, "capstone": 7, "claims": 7, "llm": 7}
TOP = 9  # accelkit/__init__.py (loads public names lazily) and __main__.py may import anything
# What layer 0 must not import at module level: ``import accelkit`` stays cheap.
HEAVY = ("torch", "onnx", "onnxruntime", "openvino", "nncf", "pandas", "plotly", "ipywidgets", "sklearn")


def module_name(path: Path) -> str:
    parts = ("accelkit", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path], *, top_level_only: bool = False) -> list[tuple[str, int]]:
    """(imported accelkit module, line) for every import in ``path``; ``from pkg import name`` counts as
    importing ``pkg.name`` when that is a module."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            found += [(s, node.lineno) for s in subs] or [(target, node.lineno)]
    return found


def rank(module: str) -> tuple[int, int]:
    """'accelkit.runtimes.ort' -> (2, 0); 'accelkit.quant' -> (4, 4); 'accelkit' -> (9, 0)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return (TOP, 0)
    head = parts[1]
    if head in TOPICS:
        return (4, TOPICS[head])
    if head not in LAYERS:
        raise AssertionError(f"{module} is in no layer: add its folder to LAYERS (and to docs/ARCHITECTURE.md)")
    return (LAYERS[head], 0)


def import_graph() -> dict[str, list[tuple[str, int]]]:
    modules = all_modules()
    return {m: [(t, line) for t, line in imports_of(p, modules) if t.split(".")[0] == "accelkit" and t != m]
            for m, p in modules.items()}


def back_edges(graph: dict[str, list[tuple[str, int]]]) -> list[str]:
    return [f"{m}:{line} imports {t} (layer {rank(t)} above {rank(m)})"
            for m, edges in graph.items() for t, line in edges if rank(t) > rank(m)]


def cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Every import cycle found by a depth-first walk (each reported once, from its first module)."""
    found, state = [], {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = "open"
        for t, _ in graph.get(m, []):
            if state.get(t) == "open":
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m, [m])
    return found


def test_every_module_is_in_a_layer():
    for module in all_modules():
        rank(module)  # raises naming the module otherwise


def test_every_import_points_down_a_layer_or_back_in_the_course():
    graph = import_graph()
    assert sum(len(e) for e in graph.values()) > 100, "the walk found too few imports to be reading the package"
    assert back_edges(graph) == []


def test_there_are_no_import_cycles():
    assert cycles(import_graph()) == []


def test_layer_zero_imports_no_runtime_at_module_level():
    modules = all_modules()
    for m, path in modules.items():
        if rank(m)[0] != 0:
            continue
        heavy = [(t, line) for t, line in imports_of(path, modules, top_level_only=True) if t.split(".")[0] in HEAVY]
        assert heavy == [], f"{m} imports {heavy} at module level"


def test_the_rules_catch_what_they_forbid():
    """The checks themselves can fail: a runtime adapter importing the harness, a notebook-02 module
    importing notebook 04's, and a two-module cycle are each reported."""
    graph = {"accelkit.runtimes.ort": [("accelkit.harness.measure", 3)],
             "accelkit.graphopt": [("accelkit.quant", 7)],
             "accelkit.quant": [("accelkit.graphopt", 9)]}
    assert back_edges(graph) == [
        "accelkit.runtimes.ort:3 imports accelkit.harness.measure (layer (3, 0) above (2, 0))",
        "accelkit.graphopt:7 imports accelkit.quant (layer (4, 4) above (4, 2))"]
    assert cycles(graph) == [["accelkit.graphopt", "accelkit.quant", "accelkit.graphopt"]]
    with pytest.raises(AssertionError, match="in no layer"):
        rank("accelkit.somewhere.new")
