"""The rooms' import direction: ui -> model <- tune. The domain imports neither Ray nor Textual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("ray", "textual", "rich", "torch", "pandas", "pyarrow")


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
def test_the_domain_model_imports_no_framework(module: str) -> None:
    assert not modules_loaded_by(module) & set(HEAVY)


def test_the_cli_and_headless_printer_start_without_ray_or_torch() -> None:
    loaded = modules_loaded_by(
        "tuneterm.cli.main",
        "tuneterm.cli.headless",
        "tuneterm.runner.launch",
        "tuneterm.trainables",
    )
    assert not loaded & set(HEAVY)


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
        cwd=Path(__file__).resolve().parents[1],
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
