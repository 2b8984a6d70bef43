"""Bad command lines through the real `tuneterm` in a subprocess: each is refused with exit code 2
and one `error:` line on stderr naming what is wrong, with no traceback and nothing created."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import tuneterm

SUGGESTION = "did you mean"

# Placeholders: FILE is a plain file, MISSING a path that does not exist, EXP an existing
# directory that is not an experiment, ROOT the (absent) experiments root.
BAD_COMMAND_LINES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    # Unknown commands, with the closest one when there is one.
    (("atach",), ("unknown command 'atach'", "did you mean 'attach'?")),
    (("lss",), ("unknown command 'lss'", "did you mean 'ls'?")),
    (("resme", "EXP"), ("unknown command 'resme'", "did you mean 'resume'?")),
    (("frobnicate",), ("unknown command 'frobnicate'", "commands: run, attach, ls")),
    ((), ("no command given", "run, attach, ls")),
    # Misspelt and abbreviated options: never taken for the option they resemble.
    (("run", "--headles"), ("run: unknown option --headles", "did you mean --headless?")),
    (("run", "--head"), ("run: unknown option --head",)),
    (("run", "--det"), ("run: unknown option --det",)),
    (("run", "--adress", "127.0.0.1:6379"), ("--adress", "did you mean --address?")),
    (("resume", "EXP", "--headles"), ("resume: unknown option --headles", SUGGESTION)),
    (("journal", "--writ"), ("journal: unknown option --writ", "did you mean --write?")),
    (("compare", "EXP", "--markdwn"), ("--markdwn", "did you mean --markdown?")),
    (("stop", "EXP", "--al"), ("stop: unknown option --al", "did you mean --all?")),
    (("--rot", "ROOT", "ls"), ("unknown option --rot", "did you mean --root?")),
    (("--ro", "ROOT", "ls"), ("unknown option --ro",)),
    (("ls", "--verbose"), ("ls: unknown option --verbose",)),
    (("ls", "extra"), ("ls: unexpected argument 'extra'",)),
    (("run", "--headless=yes"), ("--headless", "'yes'")),
    (("--root",), ("--root: expected a value",)),
    # --address: the HOST:PORT shape and the port's range, checked before anything starts.
    (("run", "--address", "127.0.0.1:99999"), ("127.0.0.1:99999", "out of range (1-65535)")),
    (("run", "--address", "127.0.0.1:65536"), ("port 65536 is out of range",)),
    (("run", "--address", "127.0.0.1:0"), ("port 0 is out of range",)),
    (("run", "--address", "127.0.0.1"), ("--address 127.0.0.1:", "HOST:PORT")),
    (("run", "--address", ":6379"), ("--address :6379:", "HOST:PORT")),
    (("run", "--address", "localhost:http"), ("port 'http' is not a number",)),
    (("run", "--address", "bad host:6379"), ("'bad host' is not a host name",)),
    (("resume", "EXP", "--address", "10.0.0.5:70000"), ("10.0.0.5:70000", "out of range")),
    # --root that is a file, or under one.
    (("--root", "FILE", "run"), ("--root FILE: is a file, not a directory",)),
    (("--root", "FILE", "ls"), ("--root FILE: is a file, not a directory",)),
    (("--root", "FILE", "attach"), ("--root FILE: is a file, not a directory",)),
    (("--root", "FILE", "journal"), ("--root FILE: is a file, not a directory",)),
    (("--root", "FILE/sub", "run"), ("--root FILE/sub: FILE is a file, not a directory",)),
    # Experiment directories that do not exist: the path first, before any other complaint.
    (("attach", "MISSING"), ("MISSING: no such experiment directory",)),
    (("journal", "MISSING"), ("MISSING: no such experiment directory",)),
    (("resume", "MISSING"), ("MISSING: no such experiment directory",)),
    (("stop", "MISSING", "t1"), ("MISSING: no such experiment directory",)),
    (("stop", "MISSING", "--all"), ("MISSING: no such experiment directory",)),
    (("pause", "MISSING", "t1"), ("MISSING: no such experiment directory",)),
    (("resume-trial", "MISSING", "t1"), ("MISSING: no such experiment directory",)),
    (("compare", "EXP", "MISSING"), ("MISSING: no such experiment directory",)),
    # A config that is not there, or not a file.
    (("run", "MISSING.toml"), ("MISSING.toml: no such file",)),
    (("run", "EXP", "--headless"), ("EXP: is a directory, not a TOML file",)),
    # A directory that is not an experiment, and stop with too few or too many targets.
    (("resume", "EXP"), ("EXP: not a tuneterm experiment directory",)),
    (("stop", "EXP"), ("stop: which trial?",)),
    (("stop", "EXP", "t1", "--all"), ("stop: give a trial id or --all, not both",)),
    (("stop",), ("stop: the following arguments are required: directory",)),
    (("pause", "EXP"), ("pause: the following arguments are required: trial_id",)),
    # Data out: a path that holds no sweep, a format or an option that is not there.
    (("export", "EXP"), ("export: EXP: neither a tuneterm experiment nor a Ray Tune",)),
    (("status", "EXP", "--json"), ("status: EXP: neither a tuneterm experiment",)),
    (("export", "MISSING", "--results"), ("MISSING: no such experiment directory",)),
    (("export", "EXP", "--format", "xml"), ("export: argument --format", "'xml'")),
    (("export", "EXP", "--resluts"), ("export: unknown option --resluts", "--results?")),
    (("ls", "--jsn"), ("ls: unknown option --jsn", "did you mean --json?")),
    # Ray Client: refused with the reason and what to do instead.
    (
        ("run", "--address", "ray://head:10001"),
        ("--address ray://head:10001: Ray Client (ray://) addresses are not supported", "auto"),
    ),
    (("resume", "EXP", "--address", "ray://10.0.0.5:10001"), ("ray://", "head node")),
]


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    """FILE, MISSING, EXP and ROOT, as in BAD_COMMAND_LINES."""
    (tmp_path / "afile").write_text("not a directory\n")
    (tmp_path / "not-an-experiment").mkdir()
    return {
        "FILE": str(tmp_path / "afile"),
        "MISSING": str(tmp_path / "missing"),
        "EXP": str(tmp_path / "not-an-experiment"),
        "ROOT": str(tmp_path / "runs"),
    }


def placed(text: str, places: dict[str, str]) -> str:
    for name, path in places.items():
        text = text.replace(name, path)
    return text


def tree(path: Path) -> set[Path]:
    return set(path.rglob("*"))


def assert_refused(proc: subprocess.CompletedProcess[str], expected: list[str]) -> None:
    """Exit code 2, nothing on stdout, exactly one `error:` line naming each of `expected`."""
    shown = f"stdout: {proc.stdout!r}\nstderr: {proc.stderr!r}"
    assert proc.returncode == 2, shown
    assert proc.stdout == "", shown
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, shown
    assert proc.stderr.endswith("\n") and "Traceback" not in proc.stderr, shown
    for text in expected:
        assert text in proc.stderr, shown


@pytest.mark.parametrize(
    ("args", "expected"),
    BAD_COMMAND_LINES,
    ids=[" ".join(args) or "(nothing)" for args, _ in BAD_COMMAND_LINES],
)
def test_a_bad_command_line_is_one_line_exit_2_and_creates_nothing(
    tmp_path: Path,
    places: dict[str, str],
    args: tuple[str, ...],
    expected: tuple[str, ...],
) -> None:
    before = tree(tmp_path)
    proc = tuneterm(
        *(placed(arg, places) for arg in args), cwd=tmp_path, root=Path(places["ROOT"]), timeout=60
    )
    assert_refused(proc, [placed(text, places) for text in expected])
    assert tree(tmp_path) == before, "the refused command created files"


def test_a_root_from_the_environment_that_is_a_file_is_named_as_such(
    tmp_path: Path, places: dict[str, str]
) -> None:
    proc = tuneterm("run", "--headless", cwd=tmp_path, root=Path(places["FILE"]), timeout=60)
    assert_refused(proc, [f"$TUNETERM_ROOT {places['FILE']}: is a file, not a directory"])


def test_a_path_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "two\nlines"
    proc = tuneterm("attach", str(missing), cwd=tmp_path, root=tmp_path / "runs", timeout=60)
    assert_refused(proc, [f"{tmp_path}/two\\nlines: no such experiment directory"])
