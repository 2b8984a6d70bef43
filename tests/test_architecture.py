"""The rooms hold: import contracts, a domain without I/O or frameworks, no import cycle, small
files and small functions."""

from __future__ import annotations

import ast
import json
import pkgutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import tuneterm.domain

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
PACKAGE = SRC / "tuneterm"
HEAVY = ("ray", "textual", "rich", "torch", "pandas", "pyarrow")
NOT_IN_THE_DOMAIN = frozenset({"sqlite3", "fcntl", "socket", "ray", "textual", "rich", "torch"})
MAX_FILE_LINES = 400
MAX_MEDIAN_FUNCTION_LINES = 10


def modules_loaded_by(*imports: str) -> set[str]:
    code = (
        "import json, sys\n"
        + "".join(f"import {name}\n" for name in imports)
        + "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize(
    "module",
    [
        "tuneterm.domain.config.spec",
        "tuneterm.storage.store",
        "tuneterm.storage.experiment",
        "tuneterm.domain.summary",
        "tuneterm.domain.trial",
        "tuneterm.domain.text",
        "tuneterm.domain.sweep.state",
        "tuneterm.storage.sources.store_source",
        "tuneterm.storage.sources.raydir",
    ],
)
def test_the_domain_and_storage_import_no_framework(module: str) -> None:
    assert not modules_loaded_by(module) & set(HEAVY)


def test_the_cli_and_headless_printer_start_without_ray_or_torch() -> None:
    loaded = modules_loaded_by(
        "tuneterm.cli.main",
        "tuneterm.cli.headless",
        "tuneterm.runner.launch",
        "tuneterm.trainables",
    )
    assert not loaded & set(HEAVY)


def test_the_dashboard_process_starts_without_numpy() -> None:
    # `tuneterm attach` loads these before its first frame; numpy alone costs ~60 ms and 13 MB.
    loaded = modules_loaded_by(
        "tuneterm.cli.main", "tuneterm.cli.run", "tuneterm.ui.app", "tuneterm.storage.sources"
    )
    assert "tuneterm" in loaded
    assert not loaded & {"numpy", "sklearn", "scipy", "optuna", "matplotlib", *HEAVY} - {
        "textual",
        "rich",
    }


def test_import_linter_contracts_hold() -> None:
    lint = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command;"
            " sys.exit(lint_imports_command())",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


DOMAIN_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(tuneterm.domain.__path__, prefix="tuneterm.domain.")
)


@pytest.fixture(scope="module")
def loaded_by_domain_module() -> dict[str, set[str] | str]:
    """What each domain module loads, imported alone in a fresh interpreter; all run at once."""
    probe = (
        "import importlib, json, sys\n"
        "importlib.import_module(sys.argv[1])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    running = {
        module: subprocess.Popen(
            [sys.executable, "-c", probe, module],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for module in DOMAIN_MODULES
    }
    loaded: dict[str, set[str] | str] = {}
    try:
        for module, process in running.items():
            out, err = process.communicate(timeout=120)
            loaded[module] = set(json.loads(out)) if process.returncode == 0 else err
    finally:
        for process in running.values():
            process.kill()
            process.wait()
    return loaded


def test_every_domain_module_is_found() -> None:
    assert "tuneterm.domain.status" in DOMAIN_MODULES
    assert "tuneterm.domain.sweep.state" in DOMAIN_MODULES


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_a_domain_module_loads_no_io_and_no_framework(
    module: str, loaded_by_domain_module: dict[str, set[str] | str]
) -> None:
    loaded = loaded_by_domain_module[module]
    assert isinstance(loaded, set), f"importing {module} failed:\n{loaded}"
    assert not loaded & NOT_IN_THE_DOMAIN


def source_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def run_time_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under `node`, in functions too, but not under `if TYPE_CHECKING:`:
    those never run, so they cannot take part in a cycle at run time."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    children: list[ast.AST] = list(ast.iter_child_nodes(node))
    if isinstance(node, ast.If) and is_type_checking(node.test):
        children = list(node.orelse)
    for child in children:
        yield from run_time_imports(child)


def imported_modules(
    statement: ast.Import | ast.ImportFrom, package: str, known: set[str]
) -> set[str]:
    """The tuneterm modules one import statement in `package` names: `from a import b` is `a.b`
    when that is a module, else `a`."""
    if isinstance(statement, ast.Import):
        return {alias.name for alias in statement.names} & known
    base = statement.module or ""
    if statement.level:
        anchor = package.split(".")[: len(package.split(".")) - statement.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    names = {f"{base}.{alias.name}" for alias in statement.names}
    found = names & known
    if names - found:
        found.add(base)
    return found & known


def parents(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


@cache
def import_graph() -> dict[str, set[str]]:
    """Which tuneterm module imports which, read from the source.

    Importing `a.b.c` also runs the packages `a` and `a.b`, so those count as imported too; except
    the importer's own parent packages, which are already in `sys.modules` before its body runs, so
    that a package whose `__init__` imports its own submodules is not a cycle.
    """
    paths = {module_name(path): path for path in source_files()}
    known = set(paths)
    graph: dict[str, set[str]] = {}
    for importer, path in paths.items():
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        targets: set[str] = set()
        for statement in run_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in imported_modules(statement, package, known):
                targets |= {target} | parents(target)
        graph[importer] = (targets & known) - parents(importer) - {importer}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_tarjan_finds_a_cycle_and_only_the_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert sorted(strongly_connected(graph)) == [["a", "b", "c"], ["d"], ["e"]]


def test_relative_and_package_imports_resolve_to_modules() -> None:
    known = {"tuneterm.domain", "tuneterm.domain.status", "tuneterm.domain.sweep"}
    statement = ast.parse("from . import status, LIVE").body[0]
    assert isinstance(statement, ast.ImportFrom)
    assert imported_modules(statement, "tuneterm.domain", known) == {
        "tuneterm.domain.status",
        "tuneterm.domain",
    }
    statement = ast.parse("from ..sweep import state").body[0]
    assert isinstance(statement, ast.ImportFrom)
    assert imported_modules(statement, "tuneterm.domain.config", known) == {"tuneterm.domain.sweep"}
    guarded = ast.parse("if TYPE_CHECKING:\n    import a\nelse:\n    import b\ndef f():\n import c")
    assert [alias.name for s in run_time_imports(guarded) for alias in s.names] == ["b", "c"]


def test_no_import_cycle_between_tuneterm_modules() -> None:
    graph = import_graph()
    assert "tuneterm.domain.status" in graph["tuneterm.domain.trial"]
    cycles = [component for component in strongly_connected(graph) if len(component) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(
        " <-> ".join(component) for component in cycles
    )


UI_STORAGE_DOORS = ("tuneterm.storage.sources", "tuneterm.storage.journal_service")
"""What the dashboard may import from storage: the event sources and the journal service."""


def test_the_ui_reaches_storage_only_through_sources_and_the_journal_service() -> None:
    graph = import_graph()
    assert "tuneterm.storage.sources.protocol" in graph["tuneterm.ui.feed"]
    stray = {
        f"{importer} -> {target}"
        for importer, targets in graph.items()
        if importer.startswith("tuneterm.ui.")
        for target in targets
        if target.startswith("tuneterm.storage.")
        and not any(target == door or target.startswith(door + ".") for door in UI_STORAGE_DOORS)
    }
    assert not stray, "the dashboard reaches into storage:\n" + "\n".join(sorted(stray))


def test_every_storage_module_loads_no_framework() -> None:
    storage = sorted(name for name in import_graph() if name.startswith("tuneterm.storage"))
    assert len(storage) > 10
    assert not modules_loaded_by(*storage) & {"ray", "textual", "rich", "torch"}


def test_mypy_is_strict_on_domain_and_storage_and_clean_on_the_rest() -> None:
    # The overrides in pyproject.toml make domain and storage strict; the run covers all of src.
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "src"], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def test_every_source_file_is_at_most_400_lines() -> None:
    lengths = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in source_files()}
    too_long = {
        str(path.relative_to(REPO)): lines
        for path, lines in lengths.items()
        if lines > MAX_FILE_LINES
    }
    assert not too_long


def body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the last one."""
    body = function.body
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        body = body[1:]
    if not body:
        return 0
    end = body[-1].end_lineno or body[-1].lineno
    return end - body[0].lineno + 1


def function_lengths() -> list[int]:
    """Body lines of every function and method under src; a nested function is one of its own
    (and its lines count for the function around it too)."""
    return [
        body_lines(node)
        for path in source_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_body_lines_skip_the_docstring() -> None:
    tree = ast.parse(
        'def f():\n    """Doc."""\n    x = 1\n\n    return x\ndef g():\n    """Doc."""'
    )
    assert [body_lines(node) for node in tree.body if isinstance(node, ast.FunctionDef)] == [3, 0]


def test_the_median_function_is_at_most_10_lines() -> None:
    assert statistics.median(function_lengths()) <= MAX_MEDIAN_FUNCTION_LINES
