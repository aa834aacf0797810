"""Hole 3 of issue #15: ``--baseline-ref`` reaches git, and a branch name or the repository's own
git configuration must not make git write files, spawn a shell or run a filter."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.config import ConfigError
from analyzer.pipeline.gitref import export_revision

COMPOSE = "services:\n  orders:\n    image: shop/orders\n    environment:\n      DB_URL: postgres://db:5432/orders\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    return root


@pytest.mark.parametrize(
    "ref",
    [
        "--output={victim}",
        "--remote=ext::sh -c touch% {marker}",
        "--exec=touch {marker}",
        "--list",
        "-o{victim}",
        "HEAD\n--output={victim}",
    ],
)
def test_hostile_refs_are_refused_before_git_sees_them(
    repo: Path, tmp_path: Path, ref: str, spawned: list[list[str]]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    marker = tmp_path / "marker"
    hostile = ref.format(victim=victim, marker=marker)
    result = CliRunner().invoke(main, ["scan", str(repo), "--baseline-ref", hostile])
    assert result.exit_code == 2, result.output
    assert victim.read_text() == "precious\n"  # not truncated
    assert not marker.exists()  # no shell, no command
    assert spawned == []  # refused before any process started: git never saw it
    assert "Traceback" not in result.output


def test_a_ref_that_is_no_commit_is_a_config_error(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a commit"):
        export_revision(repo, "no-such-branch", tmp_path / "out")
    with pytest.raises(ConfigError, match="not a commit"):
        export_revision(repo, "HEAD^{tree}", tmp_path / "out")


def test_filters_fsmonitor_and_textconv_of_the_repository_do_not_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    (repo / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (repo / "application.properties").write_text("spring.datasource.url=jdbc:postgresql://db/orders\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "attributes")
    for key, command in [
        ("filter.evil.smudge", f"touch {marker}; cat"),
        ("filter.evil.clean", f"touch {marker}; cat"),
        ("filter.evil.process", f"touch {marker}"),
        ("diff.evil.textconv", f"touch {marker}; cat"),
        ("core.fsmonitor", f"touch {marker}"),
        ("core.hooksPath", str(tmp_path)),
    ]:
        _git(repo, "config", key, command)
    out = tmp_path / "out"
    out.mkdir()
    exported = export_revision(repo, "HEAD", out)
    assert not marker.exists()
    assert (exported / "application.properties").read_text().startswith("spring.datasource.url")
    result = CliRunner().invoke(main, ["scan", str(repo), "--baseline-ref", "HEAD", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert not marker.exists()


def test_git_gets_the_commit_id_after_end_of_options_and_a_clean_environment(
    repo: Path, tmp_path: Path, spawned: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))  # must not reach git
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor'='touch {tmp_path / 'marker'}'")
    out = tmp_path / "out"
    out.mkdir()
    export_revision(repo, "HEAD", out)
    assert not (tmp_path / "marker").exists()
    assert spawned and all(argv[0] == "git" for argv in spawned)
    verify = next(argv for argv in spawned if "--verify" in argv)
    assert verify[verify.index("--end-of-options") + 1] == "HEAD^{commit}"
    for argv in spawned:
        assert "protocol.allow=never" in argv and "core.hooksPath=/dev/null" in argv
        if "ls-tree" in argv:
            assert len(argv[-1].split(":")[0]) == 40  # the verified commit id, never the ref


def test_committed_symlinks_are_not_followed_out_of_the_export(repo: Path, tmp_path: Path) -> None:
    (repo / "etc").symlink_to("/etc")
    (repo / "passwd.yml").symlink_to("/etc/passwd")
    (repo / "up").symlink_to("..")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "links")
    out = tmp_path / "out"
    out.mkdir()
    exported = export_revision(repo, "HEAD", out)
    names = sorted(p.name for p in exported.rglob("*"))
    assert names == ["docker-compose.yml"]
    assert not any(p.is_symlink() for p in exported.rglob("*"))
    result = CliRunner().invoke(main, ["scan", str(repo), "--baseline-ref", "HEAD", "--fail-on", "never"])
    assert result.exit_code == 0, result.output


def test_a_subfolder_of_the_work_tree_exports_that_folder(repo: Path, tmp_path: Path) -> None:
    (repo / "svc").mkdir()
    (repo / "svc" / "docker-compose.yml").write_text(COMPOSE)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "sub")
    out = tmp_path / "out"
    out.mkdir()
    exported = export_revision(repo / "svc", "HEAD", out)
    assert sorted(p.name for p in exported.iterdir()) == ["docker-compose.yml"]
