"""The content key: what changes it and what does not, and .dockerignore as Docker reads it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gitops_ci.engines.build_push.content_key import compile_pattern, content_key, context_entries, ignored
from gitops_ci.engines.build_push.spec import Secret
from gitops_ci.errors import UserError

LABELS = (
    ("org.opencontainers.image.revision", "a" * 40),
    ("org.opencontainers.image.version", "main"),
    ("org.opencontainers.image.created", "2026-01-01T00:00:00Z"),
)


def make_context(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "Dockerfile").write_text("FROM scratch\nCOPY src /src\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def key(root: Path, **change: Any) -> str:
    args: dict[str, Any] = {
        "context_dir": str(root),
        "file": str(root / "Dockerfile"),
        "build_args": (("BASE", "alpine"), ("NPM_TOKEN", "tok-1")),
        "secrets": (Secret("netrc", "file", "/x/netrc"),),
        "target": "",
        "platforms": ("linux/amd64",),
        "labels": LABELS,
    }
    return content_key(**{**args, **change})


def test_the_same_inputs_give_the_same_key_and_it_never_holds_a_value(tmp_path: Path) -> None:
    root = make_context(tmp_path / "ctx")
    first = key(root)
    assert first == key(root) and first.startswith("sha256:") and len(first) == 71
    assert first == key(root, build_args=(("NPM_TOKEN", "tok-1"), ("BASE", "alpine")))  # order of args


@pytest.mark.parametrize(
    "change",
    [
        {"build_args": (("BASE", "debian"), ("NPM_TOKEN", "tok-1"))},
        {"build_args": (("BASE", "alpine"), ("NPM_TOKEN", "tok-2"))},  # a credential, by its hash
        {"secrets": (Secret("npmrc", "file", "/x/netrc"),)},
        {"target": "prod"},
        {"platforms": ("linux/amd64", "linux/arm64")},
        {"labels": (*LABELS, ("team", "payments"))},
        {"labels": (("org.opencontainers.image.revision", "b" * 40), *LABELS[1:])},
    ],
)
def test_what_the_build_depends_on_changes_the_key(tmp_path: Path, change: dict[str, Any]) -> None:
    root = make_context(tmp_path / "ctx")
    assert key(root, **change) != key(root)


def test_the_version_and_created_labels_and_the_secret_file_path_do_not(tmp_path: Path) -> None:
    root = make_context(tmp_path / "ctx")
    labels = (
        LABELS[0],
        ("org.opencontainers.image.version", "1.2.3"),
        ("org.opencontainers.image.created", "x"),
    )
    assert key(root, labels=labels) == key(root)
    assert key(root, secrets=(Secret("netrc", "file", "/elsewhere"),)) == key(root)


@pytest.mark.parametrize(
    "edit",
    [
        lambda root: (root / "src" / "app.py").write_text("print('bye')\n"),
        lambda root: (root / "src" / "new.py").write_text(""),
        lambda root: (root / "src" / "app.py").chmod(0o755),
        lambda root: (root / "src" / "app.py").rename(root / "src" / "main.py"),
        lambda root: (root / "empty").mkdir(),
        lambda root: os.symlink("app.py", root / "src" / "link"),
        lambda root: (root / "Dockerfile").write_text("FROM scratch\n"),
    ],
)
def test_a_change_in_the_context_or_dockerfile_changes_the_key(tmp_path: Path, edit: Any) -> None:
    root = make_context(tmp_path / "ctx")
    before = key(root)
    edit(root)
    assert key(root) != before


def test_git_internals_and_ignored_files_do_not(tmp_path: Path) -> None:
    root = make_context(tmp_path / "ctx")
    (root / ".dockerignore").write_text("# comment\nnode_modules\n*.log\n")
    before = key(root)
    (root / ".git" / "FETCH_HEAD").write_text("x")
    (root / "node_modules" / "pkg").mkdir(parents=True)
    (root / "node_modules" / "pkg" / "index.js").write_text("x")
    (root / "debug.log").write_text("x")
    assert key(root) == before
    (root / "src" / "debug.log").write_text("x")  # `*.log` is anchored at the root: this one is sent
    assert key(root) != before


def test_a_fifo_in_the_context_is_keyed_by_kind_without_being_read(tmp_path: Path) -> None:
    root = make_context(tmp_path / "ctx")
    before = key(root)
    os.mkfifo(root / "src" / "pipe")  # opening it to read would block until a writer came
    assert key(root) != before


def test_an_unreadable_dockerfile_is_a_user_error(tmp_path: Path) -> None:
    root = make_context(tmp_path / "ctx")
    with pytest.raises(UserError) as caught:
        key(root, file=str(root / "src"))  # a directory: cannot be read as a file
    assert str(caught.value).startswith(f"cannot read {root / 'src'} to compute the build's content key")


def test_a_containerignore_wins_over_the_dockerignore(tmp_path: Path) -> None:
    root = make_context(tmp_path / "ctx")
    (root / ".dockerignore").write_text("src\n")
    (root / ".containerignore").write_text("Dockerfile\n")
    assert "src/app.py" in [path for path, _ in context_entries(root)]


@pytest.mark.parametrize(
    ("patterns", "path", "left_out"),
    [
        (["tests/"], "tests/test_app.py", True),
        (["tests"], "tests", True),
        (["/tests"], "tests/a/b.py", True),
        (["*.md"], "README.md", True),
        (["*.md"], "docs/README.md", False),
        (["**/*.md"], "docs/deep/README.md", True),
        (["**/*.md"], "README.md", True),
        (["docs/**"], "docs/a/b", True),
        (["?.txt"], "a.txt", True),
        (["?.txt"], "ab.txt", False),
        (["[ab].txt"], "b.txt", True),
        (["[^ab].txt"], "b.txt", False),
        (["*.md", "!README.md"], "README.md", False),
        (["*.md", "!README.md"], "CHANGES.md", True),
        (["docs", "!docs/keep.md"], "docs/keep.md", False),
        (["docs", "!docs/keep.md"], "docs/other.md", True),
        (["!x", "x"], "x", True),
        (["./build/../dist"], "dist/app.js", True),
        ([r"a\*b"], "a*b", True),
        ([r"a\*b"], "axb", False),
    ],
)
def test_dockerignore_patterns_as_docker_reads_them(patterns: list[str], path: str, left_out: bool) -> None:
    assert ignored([compile_pattern(p) for p in patterns], path) is left_out
