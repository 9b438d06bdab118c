"""The plan engine against real git repositories: which services a push, a pull request or a
given range selects, and every fallback to all services with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from testing.plan_repo import ZEROS, Repo, environ

from gitops_ci.engines.plan import core
from gitops_ci.engines.plan.model import Event, Inputs, Result, Services

SERVICES = ("api", "web", "worker")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "mono")


def plan(repo: Repo | Path, event: Event = Event(), **given: object) -> Result:
    root = repo.path if isinstance(repo, Repo) else repo
    file = given.pop("services_file", "gitops-ci.services.yml")
    inputs = Inputs(services_file=str(root / str(file)), event=event, **given)  # type: ignore[arg-type]
    logged: list[str] = []
    result = core.run(inputs, Services(environ=environ(), log=logged.append))
    assert all("\n" not in line for line in logged)
    return result


def push(before: str, after: str, **extra: object) -> Event:
    return Event(name="push", sha=after, before=before, after=after, **extra)  # type: ignore[arg-type]


def chosen(result: Result) -> list[str]:
    return [s.name for s in result.selected]


def causes(result: Result) -> dict[str, str]:
    return {c.service.name: c.cause for c in result.choices if c.selected}


# -- a push ---------------------------------------------------------------------------------------


def test_a_push_selects_the_service_whose_files_changed(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"services/api/main.py": "print('api 2')\n"})
    result = plan(repo, push(before, after))
    assert chosen(result) == ["api"] and not result.every and not result.warning
    assert causes(result) == {"api": "services/api/main.py"}
    assert result.changed_files == ("services/api/main.py",)
    assert (result.base, result.head) == (before, after)
    assert result.reason == f"1 of 3 services changed in {before[:12]}..{after[:12]} (the push): api"
    assert result.matrix()["include"][0]["name"] == "api"


def test_services_come_in_the_files_order_whatever_the_changes_order(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"services/worker/app.py": "print(2)\n", "services/api/main.py": "print(2)\n"})
    assert chosen(plan(repo, push(before, after))) == ["api", "worker"]


def test_a_shared_library_in_paths_selects_its_service(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"libs/common/util.py": "VALUE = 2\n"})
    result = plan(repo, push(before, after))
    assert causes(result) == {"api": "libs/common/util.py"}


def test_an_excluded_path_does_not_select_and_nothing_is_an_empty_matrix(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"services/api/README.md": "# api, again\n", "README.md": "# more\n"})
    result = plan(repo, push(before, after))
    assert chosen(result) == [] and result.matrix() == {"include": []} and not result.every
    assert result.reason.startswith("no service's paths match the 2 files changed in ")


def test_a_dockerfile_outside_the_context_triggers_its_service_by_default(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"docker/worker.Dockerfile": "FROM scratch\nLABEL a=b\n"})
    assert causes(plan(repo, push(before, after))) == {"worker": "docker/worker.Dockerfile"}


def test_a_rename_counts_its_old_and_its_new_path(repo: Repo) -> None:
    before = repo.head()
    after = repo.move("services/web/index.js", "services/api/index.js")
    result = plan(repo, push(before, after))
    assert result.changed_files == ("services/web/index.js", "services/api/index.js")
    assert causes(result) == {"api": "services/api/index.js", "web": "services/web/index.js"}


def test_a_rename_out_of_a_service_selects_it_by_the_old_path(repo: Repo) -> None:
    before = repo.head()
    after = repo.move("libs/common/util.py", "attic/util.py")
    assert causes(plan(repo, push(before, after))) == {"api": "libs/common/util.py"}


def test_a_deletion_counts_its_old_path(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"services/web/index.js": None})
    result = plan(repo, push(before, after))
    assert result.changed_files == ("services/web/index.js",)
    assert causes(result) == {"web": "services/web/index.js"}


def test_the_first_push_of_a_branch_selects_every_service(repo: Repo) -> None:
    result = plan(repo, push(ZEROS, repo.head()))
    assert chosen(result) == list(SERVICES) and result.every and not result.warning
    assert "first push" in result.reason and "all zeros" in result.reason
    assert {c.cause for c in result.choices} == {result.reason}


def test_a_force_pushed_before_that_the_clone_lacks_selects_every_service(repo: Repo, tmp_path: Path) -> None:
    base = repo.head()
    gone = repo.commit({"services/api/main.py": "print('lost')\n"})
    repo.git("reset", "--quiet", "--hard", base)
    after = repo.commit({"services/web/index.js": "console.log(2)\n"})
    clone = repo.clone(tmp_path / "clone")  # what the runner checks out after the force push
    result = plan(clone, push(gone, after))
    assert chosen(result) == list(SERVICES) and result.every and result.warning
    assert f"event.before {gone[:12]} is not a commit in this clone" in result.reason
    assert "force push" in result.reason and "fetch-depth: 0" in result.reason


def test_a_shallow_clone_selects_every_service_and_says_fetch_depth(repo: Repo, tmp_path: Path) -> None:
    before = repo.head()
    after = repo.commit({"services/api/main.py": "print(3)\n"})
    clone = repo.clone(tmp_path / "shallow", "--depth", "1")
    result = plan(clone, push(before, after))
    assert result.every and result.warning and "fetch-depth: 0" in result.reason


def test_with_the_history_fetched_the_same_push_is_compared(repo: Repo, tmp_path: Path) -> None:
    before = repo.head()
    after = repo.commit({"services/api/main.py": "print(3)\n"})
    clone = repo.clone(tmp_path / "full")
    assert chosen(plan(clone, push(before, after))) == ["api"]


def test_a_push_that_deleted_the_branch_builds_nothing(repo: Repo) -> None:
    result = plan(repo, push(repo.head(), ZEROS, deleted=True))
    assert chosen(result) == [] and not result.every and "deleted" in result.reason


def test_a_push_event_without_before_selects_every_service(repo: Repo) -> None:
    result = plan(repo, Event(name="push", sha=repo.head()))
    assert result.every and "no `before`" in result.reason


def test_a_before_that_looks_like_an_option_is_no_commit(repo: Repo) -> None:
    result = plan(repo, push("--output=/tmp/x", repo.head()))
    assert result.every and "is not a commit in this clone" in result.reason


def test_a_head_the_clone_lacks_selects_every_service(repo: Repo) -> None:
    result = plan(repo, push(repo.head(), "f" * 40))
    assert result.every and result.warning and f"the head {'f' * 12}" in result.reason


# -- a pull request -------------------------------------------------------------------------------


def pull_request(base: str, head: str, name: str = "pull_request") -> Event:
    return Event(name=name, sha="", pr_base=base, pr_head=head)


@pytest.mark.parametrize("name", ["pull_request", "pull_request_target"])
def test_a_pull_request_compares_its_head_with_the_merge_base(repo: Repo, name: str) -> None:
    fork_point = repo.head()
    repo.git("checkout", "--quiet", "-b", "feature")
    head = repo.commit({"services/web/index.js": "console.log('feature')\n"})
    repo.git("checkout", "--quiet", "main")
    base = repo.commit({"services/api/main.py": "print('main moved on')\n"})  # not the PR's change
    result = plan(repo, pull_request(base, head, name))
    assert chosen(result) == ["web"]
    assert (result.base, result.head) == (fork_point, head)
    assert "the pull request, from its merge base" in result.reason


def test_a_pull_request_the_clone_has_no_merge_base_for_selects_every_service(
    repo: Repo, tmp_path: Path
) -> None:
    base = repo.head()
    repo.git("checkout", "--quiet", "-b", "feature")
    head = repo.commit({"services/web/index.js": "console.log('feature')\n"})
    clone = repo.clone(tmp_path / "shallow", "--depth", "1", "--branch", "feature", "--no-single-branch")
    result = plan(clone, pull_request(base, head))
    assert result.every and result.warning and "fetch-depth: 0" in result.reason


def test_a_pull_request_event_without_its_commits_selects_every_service(repo: Repo) -> None:
    result = plan(repo, pull_request("", ""))
    assert result.every and "names no base and head" in result.reason


# -- other events, inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["workflow_dispatch", "schedule", "release", "merge_group"])
def test_another_event_selects_every_service(repo: Repo, name: str) -> None:
    result = plan(repo, Event(name=name, sha=repo.head()))
    assert chosen(result) == list(SERVICES) and result.every and not result.warning
    assert result.reason == f"a {name} run compares no commits: every service"
    assert result.changed_files == () and result.base == ""


def test_no_event_and_no_base_selects_every_service(repo: Repo) -> None:
    result = plan(repo)
    assert result.every and "no base given" in result.reason


def test_all_selects_every_service_even_on_a_push(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"README.md": "x\n"})
    result = plan(repo, push(before, after), every=True)
    assert chosen(result) == list(SERVICES) and result.every and "`all` is true" in result.reason


def test_a_given_base_and_head_are_compared_as_they_are(repo: Repo) -> None:
    first = repo.head()
    middle = repo.commit({"services/api/main.py": "print(2)\n"})
    last = repo.commit({"services/web/index.js": "console.log(2)\n"})
    assert chosen(plan(repo, base=first, head=middle)) == ["api"]
    assert chosen(plan(repo, base=middle)) == ["web"]  # head: HEAD
    assert chosen(plan(repo, push(first, last), base=middle, head=last)) == ["web"]
    result = plan(repo, base="HEAD~2", head="HEAD")
    assert chosen(result) == ["api", "web"] and "(base and head given)" in result.reason


def test_a_given_base_that_is_no_commit_here_selects_every_service(repo: Repo) -> None:
    result = plan(repo, base="no-such-branch")
    assert result.every and result.warning and "base no-such-branch is not a commit" in result.reason


def test_the_same_commit_twice_changes_nothing(repo: Repo) -> None:
    result = plan(repo, push(repo.head(), repo.head()))
    assert chosen(result) == [] and result.reason.startswith("no file changed in ")


def test_a_change_to_the_services_file_selects_every_service(repo: Repo) -> None:
    before = repo.head()
    text = (repo.path / "gitops-ci.services.yml").read_text()
    after = repo.commit({"gitops-ci.services.yml": text + "# a comment\n", "services/api/main.py": "x\n"})
    result = plan(repo, push(before, after))
    assert chosen(result) == list(SERVICES) and result.every and not result.warning
    assert result.reason.startswith("the services file gitops-ci.services.yml changed in ")
    assert set(result.changed_files) == {"gitops-ci.services.yml", "services/api/main.py"}
    assert (result.base, result.head) == (before, after)


def test_a_services_file_elsewhere_is_found_and_its_change_selects_every_service(tmp_path: Path) -> None:
    from testing.plan_repo import FILES

    files = {("ci/services.yml" if k == "gitops-ci.services.yml" else k): v for k, v in FILES.items()}
    repo = Repo(tmp_path / "mono", files)
    before = repo.head()
    after = repo.commit({"ci/services.yml": files["ci/services.yml"] + "\n"})
    result = plan(repo, push(before, after), services_file="ci/services.yml")
    assert result.every and result.services_file == "ci/services.yml"


def test_outside_a_git_checkout_a_push_selects_every_service(tmp_path: Path) -> None:
    from testing.plan_repo import FILES

    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = plan(tmp_path, push("a" * 40, "b" * 40))
    assert result.every and result.warning and "not a git checkout" in result.reason


# -- the matrix -----------------------------------------------------------------------------------


def test_each_matrix_entry_is_flat_strings_with_every_gate_key(repo: Repo) -> None:
    result = plan(repo, every=True)
    api, web, worker = result.matrix()["include"]
    assert api == {
        "name": "api",
        "context": "services/api",
        "dockerfile": "services/api/Dockerfile",
        "file": "Dockerfile",
        "image": "ghcr.io/acme/api",
        "gate-tools": "black,flake8",
        "gate-working-directory": "services/api",
        "gate-install": "",
        "gate-python": "",
        "gate-coverage-min": "80",
    }
    assert web["image"] == "ghcr.io/acme/storefront" and web["gate-tools"] == "black,pytest"
    assert worker["dockerfile"] == "docker/worker.Dockerfile"
    assert worker["file"] == "../../docker/worker.Dockerfile"  # build-and-push's file is context-relative
    assert (repo.path / worker["context"] / worker["file"]).resolve() == (repo.path / worker["dockerfile"])
    assert all(isinstance(v, str) for entry in (api, web, worker) for v in entry.values())


@pytest.mark.parametrize(
    ("name_status", "paths"),
    [
        ("", ()),
        ("M\0a.py\0", ("a.py",)),
        ("R087\0old/a.py\0new/a.py\0D\0gone.txt\0", ("old/a.py", "new/a.py", "gone.txt")),
        ("C100\0src.py\0copy.py\0A\0new line\n.txt\0", ("copy.py", "new line\n.txt")),
        ("M\0a.py\0M\0a.py\0", ("a.py",)),
        ("T\0link\0", ("link",)),
    ],
)
def test_name_status_is_read_with_renames_copies_and_odd_names(
    name_status: str, paths: tuple[str, ...]
) -> None:
    assert core.changed_files(name_status) == paths


def test_a_path_with_a_newline_or_unicode_is_read_whole(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"services/web/ünï côde.js": "1\n", "services/api/odd\nname.py": "2\n"})
    result = plan(repo, push(before, after))
    assert set(result.changed_files) == {"services/web/ünï côde.js", "services/api/odd\nname.py"}
    assert chosen(result) == ["api", "web"]
