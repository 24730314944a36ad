"""The import pipeline's modules import one way: readers and rules below the importer, never in a circle."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

LOADERS = Path(__file__).resolve().parent.parent / "loaders"


def loaders_imported_by(path: Path) -> set[str]:
    """The loaders modules a file imports anywhere in it (inside functions too: a late import is still a circle)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("loaders.")}
        elif isinstance(node, ast.ImportFrom) and node.module == "loaders":
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("loaders."):
            found.add(node.module.split(".")[1])
    return found & {p.stem for p in LOADERS.glob("*.py")}


def import_graph() -> dict[str, set[str]]:
    return {path.stem: loaders_imported_by(path) - {path.stem} for path in LOADERS.glob("*.py")}


def test_loaders_import_graph_has_no_cycle():
    try:
        order = list(TopologicalSorter(import_graph()).static_order())
    except CycleError as error:
        raise AssertionError(f"loaders modules import each other in a circle: {' -> '.join(error.args[1])}") from None
    assert order.index("frames") < order.index("importer")


def test_readers_and_rules_sit_below_the_importer():
    graph = import_graph()
    for module in ("canonical", "validation", "ssda903", "police", "store", "frames", "rules"):
        assert "importer" not in graph.get(module, set()), module


def test_the_graph_sees_a_circle(tmp_path):
    """The walker finds imports of every form, so a circle written any of those ways would fail the test above."""
    source = "import loaders.store\nfrom loaders import canonical\nfrom loaders.frames import Message\n"
    source += "def late():\n    from loaders.police import prepare\n"
    (tmp_path / "x.py").write_text(source)
    assert loaders_imported_by(tmp_path / "x.py") == {"store", "canonical", "frames", "police"}
