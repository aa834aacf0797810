"""The installed wheel carries rules/ and reports/ and finds them without the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO


@pytest.mark.slow
def test_wheel_works_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(dist.glob("archconform-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
    )
    # Dependencies come from the test environment; the project itself only from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "systems" / "ecommerce-violations", work / "shop")
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import analyzer, analyzer.resources as r; "
            "print(analyzer.__file__, r.rules_dir(), r.reports_dir())",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
    ).stdout
    assert str(REPO) not in where, where
    listed = subprocess.run(
        [str(venv / "bin" / "archconform"), "rules", "list"],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
    ).stdout
    assert "shared-database" in listed
    scanned = subprocess.run(
        [
            str(python),
            "-m",
            "analyzer",
            "scan",
            "shop",
            "--html",
            "out/report.html",
            "--sarif",
            "out/r.sarif",
            "--fail-on",
            "never",
        ],
        capture_output=True,
        text=True,
        cwd=work,
    )
    assert scanned.returncode == 0, scanned.stderr
    assert (work / "out" / "report.html").read_text().lstrip().lower().startswith("<!doctype html")
