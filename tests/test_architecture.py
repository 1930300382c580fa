"""The import graph keeps its shape: no circle, no import back up a layer, and workflow code
that loads nothing with I/O.

Every module under api/, workflows/, activities/ and store/ (Alembic's migration scripts
aside: Alembic runs them, nothing imports them) and the top-level modules are parsed, not
imported; every ``import`` counts, inside functions and under ``TYPE_CHECKING`` too, since
a circle hidden in a function is still a circle.

Layers, top to bottom; a module may import its own layer and the layers below it:

0. entry points: worker, admin, devstack, replay, api.main, api.openapi_export
1. api
2. workflows
3. activities
4. store
5. settings, telemetry

Leaves sit below all of them, so any layer may import them: modules of pure types, rules
and activity interfaces, named by the patterns in ``LEAVES`` (``workflows.*.activities``,
``*.rules`` and what is under it, ``*.model`` and ``*_model``, and a few shared modules by
name). A leaf imports only other leaves (and libraries): that is what makes it one.

Workflow code runs in Temporal's sandbox and must stay deterministic: no module under
workflows/ loads, directly or through what it imports, sqlalchemy, httpx, reportlab,
aiosmtplib, settings, the store, the API (the data converter lives there) or an activity
implementation (activity interfaces are fine).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "workflows", "activities", "store")
TOP_LEVEL = ("worker", "admin", "settings", "telemetry", "replay", "devstack")
NOT_IMPORTED = ("store/migrations",)

ENTRY_POINTS = {"worker", "admin", "devstack", "replay", "api.main", "api.openapi_export"}
LAYERS = {"api": 1, "workflows": 2, "activities": 3, "store": 4, "settings": 5, "telemetry": 5}
BELOW_ALL = 6

LEAVES = (
    # activity interfaces: names, inputs and outputs of the activities a domain's workflows
    # call, declared beside them (workflows/orders/activities.py ...); activities implement them
    "workflows.activities",
    "workflows.*.activities",
    "*.rules",
    "*.rules.*",
    "*.model",
    "*_model",
    "workflows.ids",
    "workflows.money",
    "workflows.currencies",
    "workflows.money_json",
    "workflows.change_source",
    "workflows.orders.status",
    "workflows.search_attributes",
    "workflows.orders.rollup",  # the order's state read by the pure rules
    "workflows.orders.state",  # the order's state, carried over and shown by its answers
    "workflows.orders.shown",  # what each resource of the order shows: versions follow it
    "workflows.refusal",
    "workflows.orders.refusals",
    "workflows.payments.refusals",
    "workflows.buyers.invitation_refusals",
    # the order's NT24 JSON, rendered from its state: the API answers with it, the read-model
    # writer (outside the workflow) stores it
    "store.orders.views",
)

FORBIDDEN_IN_WORKFLOWS = ("sqlalchemy", "httpx", "reportlab", "aiosmtplib", "settings", "store")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a project module, or the top-level name of a library
    line: int

    def __str__(self) -> str:
        return f"{self.importer} imports {self.imported} ({_path(self.importer)}:{self.line})"


def _modules() -> dict[str, Path]:
    found = {name: ROOT / f"{name}.py" for name in TOP_LEVEL}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if any(relative.as_posix().startswith(skip) for skip in NOT_IMPORTED):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _path(module: str) -> str:
    return MODULES[module].relative_to(ROOT).as_posix()


def _project_module(name: str) -> str | None:
    """The project module ``name`` is, or is in (``pkg.module.attr`` -> ``pkg.module``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> list[Import]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[Import] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # ``from pkg import module`` imports that module; ``from module import name``
            # imports the module
            names = [f"{base}.{alias.name}" for alias in node.names]
            names = [n if n in MODULES else base for n in names]
        for name in names:
            target = _project_module(name) or name.split(".")[0]
            if target != module:
                found.add(Import(module, target, node.lineno))
    return sorted(found, key=lambda i: (i.line, i.imported))


IMPORTS = {module: _imports(module) for module in MODULES}


def _layer(module: str) -> int:
    if module in ENTRY_POINTS:
        return 0
    if is_leaf(module):
        return BELOW_ALL
    return LAYERS[module.split(".")[0]]


def is_leaf(module: str) -> bool:
    return any(fnmatch(module, pattern) for pattern in LEAVES)


def _project(imports: list[Import]) -> list[Import]:
    return [i for i in imports if i.imported in MODULES]


def _circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0
    for root in MODULES:
        if root in index:
            continue
        work = [(root, iter(sorted({i.imported for i in _project(IMPORTS[root])})))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted({i.imported for i in _project(IMPORTS[child])})))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_no_import_circle() -> None:
    problems = []
    for circle in _circles():
        members = set(circle)
        arrows = [str(i) for m in circle for i in _project(IMPORTS[m]) if i.imported in members]
        problems.append(f"circle of {len(circle)} modules:\n  " + "\n  ".join(sorted(arrows)))
    assert not problems, "\n".join(problems)


def test_no_import_back_up_a_layer() -> None:
    up = [
        str(i)
        for module in MODULES
        for i in _project(IMPORTS[module])
        if _layer(i.imported) < _layer(module)
    ]
    assert not up, "imports back up a layer:\n  " + "\n  ".join(sorted(up))


def test_leaves_import_only_leaves() -> None:
    wrong = [
        str(i)
        for module in MODULES
        if is_leaf(module)
        for i in _project(IMPORTS[module])
        if not is_leaf(i.imported)
    ]
    assert not wrong, "a leaf imports a module that is not one:\n  " + "\n  ".join(sorted(wrong))


def _forbidden_in_workflows(i: Import) -> bool:
    top = i.imported.split(".")[0]
    if top in FORBIDDEN_IN_WORKFLOWS:
        return True
    return top == "activities" and i.imported in MODULES and not is_leaf(i.imported)


def test_workflow_code_loads_nothing_with_io() -> None:
    """Through every import it reaches: what the sandbox would load with it."""
    wrong: set[str] = set()
    for root in MODULES:
        if not root.startswith("workflows"):
            continue
        seen, todo = {root}, [root]
        while todo:
            module = todo.pop()
            for i in IMPORTS[module]:
                if _forbidden_in_workflows(i) or i.imported.split(".")[0] == "api":
                    wrong.add(f"{root}: {i}" if module != root else str(i))
                elif i.imported in MODULES and i.imported not in seen:
                    seen.add(i.imported)
                    todo.append(i.imported)
    assert not wrong, "workflow code loads I/O:\n  " + "\n  ".join(sorted(wrong))
