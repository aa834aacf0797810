"""A scan reaches no network and runs no program but ``git`` (for ``--baseline-ref``), on any input.

Each scan runs in a fresh interpreter with audit hooks (PEP 578) that refuse every socket
connection and name lookup and every new program: ``subprocess``, ``os.system``, ``os.exec*``,
``os.posix_spawn``. A refusal is recorded before it is raised, so a caller that swallows the
error still fails the test. Worker processes (``--jobs``) are forks of the guarded interpreter
and keep the hooks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

GUARD = r"""
import os, sys

REFUSED = {
    "socket.connect", "socket.connect_ex", "socket.getaddrinfo", "socket.gethostbyname",
    "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.sendto", "urllib.Request",
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile", "pty.spawn",
}
report = os.environ["GUARD_REPORT"]


def refuse(event, detail):
    with open(report, "a", encoding="utf-8") as handle:
        handle.write(f"{event} {detail!r}\n")
    raise PermissionError(f"refused by the test's guard: {event}")


def hook(event, args):
    if event in REFUSED:
        refuse(event, args[:2])
    if event == "subprocess.Popen":
        program = os.path.basename(str(args[0] or (args[1][0] if args[1] else "")))
        if program != "git" or not os.environ.get("GUARD_ALLOW_GIT"):
            refuse(event, args[1])


sys.addaudithook(hook)
from analyzer.cli import main
sys.argv = ["archconform", *sys.argv[1:]]
main()
"""


def _guarded_scan(tmp_path: Path, args: list[str], allow_git: bool = False) -> tuple[int, str, str]:
    report = tmp_path / "refused.txt"
    report.write_text("")
    env = {"GUARD_REPORT": str(report), "PATH": "/usr/bin:/bin"}
    if allow_git:
        env["GUARD_ALLOW_GIT"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", GUARD, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    return done.returncode, done.stderr, report.read_text()


def test_scans_of_systems_traces_and_hostile_input_reach_no_network_and_run_nothing(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURES / "systems" / "ecommerce-violations", tree / "shop")
    shutil.copytree(FIXTURES / "hostile", tree / "hostile", ignore=shutil.ignore_patterns("fuzz"))
    out = tmp_path / "out"
    code, err, refused = _guarded_scan(
        tmp_path,
        [
            "scan", str(tree), "--fail-on", "never", "--quiet", "--jobs", "2",
            "--traces", str(FIXTURES / "traces"),
            "--json", str(out / "r.json"), "--sarif", str(out / "r.sarif"),
            "--html", str(out / "r.html"), "--markdown", str(out / "r.md"),
        ],
    )  # fmt: skip
    assert refused == "", refused
    assert code == 0, err
    assert json.loads((out / "r.json").read_text())["findings"]


def test_the_guard_catches_what_it_should(tmp_path: Path) -> None:
    """The guard itself works: a program run from inside the guarded process is refused."""
    script = GUARD.replace(
        "main()", "import subprocess\ntry:\n    subprocess.run(['true'])\nexcept OSError:\n    pass"
    )
    report = tmp_path / "refused.txt"
    subprocess.run(
        [sys.executable, "-c", script],
        env={"GUARD_REPORT": str(report), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert "subprocess.Popen" in report.read_text()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_baseline_ref_runs_git_and_nothing_else(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "hostile" / "good", repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    code, err, refused = _guarded_scan(
        tmp_path,
        ["scan", str(repo), "--baseline-ref", "HEAD", "--fail-on", "never", "--quiet"],
        allow_git=True,
    )
    assert refused == "", refused
    assert code == 0, err
