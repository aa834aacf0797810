"""Ignores have gitignore semantics, and the repository's .gitignore files are honoured."""

from __future__ import annotations

from pathlib import Path

from analyzer.discovery import walk_files


def _tree(root: Path, files: list[str]) -> None:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")


def test_readme_example_ignores_a_root_level_testdata_folder(tmp_path: Path) -> None:
    _tree(tmp_path, ["testdata/a.yml", "svc/testdata/b.yml", "svc/app.py", "legacy/old.py", "legacy.txt"])
    assert walk_files(tmp_path, ("**/testdata/**", "legacy/")) == ["legacy.txt", "svc/app.py"]


def test_gitignore_files_apply_relative_to_their_folder_and_can_be_turned_off(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [".env", "keep.env", "svc/generated/x.py", "svc/app.py", "other/generated/y.py", "svc/.gitignore"],
    )
    (tmp_path / ".gitignore").write_text("*.env\n!keep.env\n")
    (tmp_path / "svc" / ".gitignore").write_text("generated/\n")
    assert walk_files(tmp_path) == [
        ".gitignore",
        "keep.env",
        "other/generated/y.py",
        "svc/.gitignore",
        "svc/app.py",
    ]
    everything = walk_files(tmp_path, gitignore=False)
    assert ".env" in everything and "svc/generated/x.py" in everything
