"""The floors of the code: no import circle among the apps' modules, and an import inside a
function only where a comment says why (to load a heavy module late, or to register in
AppConfig.ready). grimp, which import-linter installs, sees imports inside functions too;
`make lint` checks the floors' order with import-linter's layers contract (pyproject.toml)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "otop_portal",
    "districts",
    "jobs",
    "products",
    "surveys",
    "reports",
    "plans",
    "dashboards",
]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # No cache: tests run in parallel and must not write beside the sources.
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def circles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(group)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_it_finds_no_import_circle_among_the_apps_modules(graph):
    found = [sorted(c) for c in circles(graph)]
    assert found == [], "import circles: move what both sides need to a floor below them"


def test_it_sees_a_circle_when_there_is_one(graph):
    graph.add_import(
        importer="otop_portal.cells", imported="dashboards.views", line_number=1, line_contents=""
    )
    try:
        assert any("otop_portal.cells" in c for c in circles(graph))
    finally:
        graph.remove_import(importer="otop_portal.cells", imported="dashboards.views")


def test_no_app_imports_a_floor_above_it(graph):
    illegal = graph.find_illegal_dependencies_for_layers(layers=list(reversed(PACKAGES)))
    assert sorted(f"{d.importer} -> {d.imported}" for d in illegal) == []


def late_imports_without_a_reason() -> list[str]:
    """Imports inside a function with no comment on the lines just above them."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for inner in ast.walk(node):
                    if not isinstance(inner, ast.Import | ast.ImportFrom):
                        continue
                    above = lines[max(0, inner.lineno - 4) : inner.lineno - 1]
                    if not any(line.strip().startswith("#") for line in above):
                        found.append(f"{name}:{inner.lineno}: {lines[inner.lineno - 1].strip()}")
    return found


def test_an_import_inside_a_function_says_why():
    assert late_imports_without_a_reason() == []


def app_url_names_in_the_ground_floor() -> list[str]:
    """URL names of an app's pages ("dashboards:review_approve") in otop_portal's code: the
    ground floor knows no app, by import or by URL name. The project's wiring (settings,
    the root URLconf) names the apps by design."""
    apps = "|".join(PACKAGES[1:])
    pattern = re.compile(rf"[\"'](?:{apps}):\w+")
    found = []
    for path in sorted((ROOT / "otop_portal").rglob("*.py")):
        if path.name in ("settings.py", "urls.py") or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}")
    return found


def test_the_ground_floor_names_no_apps_page():
    assert app_url_names_in_the_ground_floor() == []
