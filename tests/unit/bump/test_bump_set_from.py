"""bump-manifest --set-from: build metadata files (as build-and-push writes them) as targets;
every bad file refused in one error; expect-builds and partial; one row per image."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gitops_ci import main as cli
from gitops_ci.commands import set_from
from gitops_ci.commands.set_from import Build, Builds
from gitops_ci.engines.bump.model import Target
from gitops_ci.errors import UserError
from testing.build_metadata import metadata, write
from testing.outputs import read_output_file

SHA = "3f2a1bc9d8e7f60123456789abcdef0123456789"
OTHER_SHA = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "sha256:" + "c" * 64
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/{name}:1.0.0  # main
"""


# -- one file ---------------------------------------------------------------------------------
def test_a_pushed_build_pins_its_version_and_digest() -> None:
    doc = metadata("ghcr.io/acme/api", "1.4.2", digest=DIGEST, revision=SHA)

    build = set_from.parse("api", "meta/api.json", json.dumps(doc))

    assert build == Build("api", "meta/api.json", Target("ghcr.io/acme/api", "1.4.2", DIGEST), SHA)


def test_a_build_not_pushed_pins_its_version_alone() -> None:
    doc = metadata("ghcr.io/acme/api", "1.4.2", pushed=False)
    assert doc["digest"].startswith("unavailable: push is false")  # build-and-push's own text

    build = set_from.parse("api", "meta/api.json", json.dumps(doc))

    assert isinstance(build, Build)
    assert build.target == Target("ghcr.io/acme/api", "1.4.2") and not build.pushed and build.revision == ""


GOOD = metadata("ghcr.io/acme/api", "1.4.2", digest=DIGEST, revision=SHA)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object but a list"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "image"}), 'no "image"'),
        (json.dumps({k: v for k, v in GOOD.items() if k != "version"}), 'no "version"'),
        (json.dumps({**GOOD, "image": "ghcr.io/Acme/API"}), "is not a valid image repository"),
        (json.dumps({**GOOD, "image": 7}), '"image" is a number'),
        (json.dumps({**GOOD, "version": "1.4.2\nImage: evil"}), "is not a valid image tag"),
        (json.dumps({**GOOD, "digest": "sha256:abc"}), "neither sha256:<64 hex>"),
        (json.dumps({**GOOD, "labels": ["x"]}), '"labels" is a list'),
        (json.dumps({**GOOD, "labels": {set_from.REVISION: "main\nx"}}), "is not a commit SHA"),
        (json.dumps({**GOOD, "tags": ["ghcr.io/acme/api:other"]}), 'is not among its "tags"'),
    ],
)
def test_each_bad_file_says_what_is_wrong(text: str, problem: str) -> None:
    result = set_from.parse("api", "meta/api.json", text)

    assert isinstance(result, list) and any(problem in line for line in result), result


def test_every_problem_of_a_file_is_listed() -> None:
    doc = {**GOOD, "image": "Bad Name", "version": "", "digest": "sha256:x"}
    problems = set_from.parse("api", "meta/api.json", json.dumps(doc))
    assert isinstance(problems, list) and len(problems) == 3


# -- a folder -----------------------------------------------------------------------------------
def _folder(tmp_path: Path, services: list[str], version: str = "2.0.0") -> Path:
    return write(
        tmp_path / "meta",
        {s: metadata(f"ghcr.io/acme/{s}", version, digest=DIGEST, revision=SHA) for s in services},
    )


def test_a_folder_gives_one_build_per_file_and_ignores_other_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["web", "api", "worker"])
    (folder / "README.md").write_text("not metadata")
    (folder / ".hidden.json").write_text("{")
    (folder / "nested").mkdir()
    (folder / "nested" / "x.json").write_text("{")

    builds = set_from.read(folder, "meta")

    assert builds.services == ("api", "web", "worker")
    assert builds.revisions() == {f"ghcr.io/acme/{s}": SHA for s in ("api", "web", "worker")}
    assert (builds.missing, builds.unexpected) == ((), ())


def test_every_bad_file_is_named_in_one_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["api", "web"])
    (folder / "broken.json").write_text("{not json")
    (folder / "empty.json").write_text("{}")
    (folder / "bad name.json").write_text(json.dumps(GOOD))
    (folder / "twin.json").write_text(json.dumps(metadata("ghcr.io/acme/api", "2.0.1")))

    with pytest.raises(UserError) as caught:
        set_from.read(folder, "meta", ("api", "web", "gone"))

    text = str(caught.value)
    assert caught.value.what == "4 bad build metadata file(s) in meta; nothing deployed"
    for line in (
        "meta/broken.json: not JSON",
        'meta/empty.json: no "image"',
        'meta/empty.json: no "version"',
        "meta/bad name.json: 'bad name' is not a service name",
        "meta/twin.json: image ghcr.io/acme/api is also the image of meta/api.json",
        "missing as well (expected, no file): gone",
    ):
        assert line in text, line
    assert "nothing was written, committed or pushed" in text


def test_one_bad_file_is_the_error_itself(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["api"])
    (folder / "web.json").write_text("[]")

    with pytest.raises(UserError) as caught:
        set_from.read(folder, "meta")

    assert caught.value.what == "meta/web.json: not a JSON object but a list"


def test_a_file_too_large_is_a_bad_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["api"])
    (folder / "big.json").write_text(" " * (set_from.MAX_BYTES + 1))

    with pytest.raises(UserError, match="meta/big.json: 1,048,577 bytes, too large"):
        set_from.read(folder, "meta")


def test_no_folder_or_an_empty_one_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="set-from: meta is not a folder"):
        set_from.read(tmp_path / "nowhere", "meta")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no build metadata in empty; nothing deployed"):
        set_from.read(tmp_path / "empty", "empty")


# -- expect-builds and partial ----------------------------------------------------------------
def test_a_missing_expected_build_deploys_nothing(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["api"])

    with pytest.raises(UserError) as caught:
        set_from.read(folder, "meta", ("api", "web", "worker"))

    assert caught.value.what == "2 expected build(s) missing: web, worker; nothing deployed"
    assert "meta holds no web.json, worker.json" in caught.value.why
    assert "partial: true" in caught.value.fix


def test_partial_deploys_the_builds_present_and_names_the_missing(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["api", "extra"])

    builds = set_from.read(folder, "meta", ("api", "web", "worker"), partial=True)

    assert builds.services == ("api", "extra")
    assert builds.missing == ("web", "worker")
    assert builds.unexpected == ("extra",)  # present but not expected: deployed too


def test_partial_with_no_build_present_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "meta").mkdir()

    with pytest.raises(UserError) as caught:
        set_from.read(tmp_path / "meta", "meta", ("api", "web"), partial=True)

    assert "nothing deployed" in caught.value.what
    assert "every expected build is missing: api, web" in caught.value.why


def test_every_expected_build_present_is_no_warning(tmp_path: Path) -> None:
    builds = set_from.read(_folder(tmp_path, ["api", "web"]), "meta", ("web", "api", "web"))
    assert (builds.missing, builds.unexpected) == ((), ())


def test_an_expected_name_that_is_no_service_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="expect-builds: 'a b' is not a service name"):
        set_from.read(_folder(tmp_path, ["api"]), "meta", ("a b",))


def test_decide_is_pure(tmp_path: Path) -> None:
    build = Build("api", "m/api.json", Target("ghcr.io/acme/api", "1"))
    decided = set_from.decide(Builds("m", (build,), ("api", "web")), ("web",), partial=True)
    assert decided.missing == ("web",) and decided.builds == (build,)


# -- through the CLI, edit mode ------------------------------------------------------------------
@pytest.fixture
def infra(tmp_path: Path) -> Path:
    root = tmp_path / "infra"
    for name in ("api", "web", "worker", "cron"):
        path = root / "apps" / name / "deployment.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(DEPLOYMENT.format(name=name))
    return root


def run(tmp_path: Path, *argv: str) -> tuple[int, str, str, dict[str, str], str]:
    (tmp_path / "defaults.yml").write_text("")
    environ = {
        "GITOPS_CI_DEFAULTS": str(tmp_path / "defaults.yml"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_SHA": SHA,
        "GITHUB_REPOSITORY": "acme/mono",
        "GITHUB_SERVER_URL": "https://github.com",
    }
    for name in ("output", "summary"):
        (tmp_path / name).unlink(missing_ok=True)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["bump-manifest", "--render-check", "false", *argv], environ, out, err)
    outputs = read_output_file(tmp_path / "output") if (tmp_path / "output").exists() else {}
    summary = (tmp_path / "summary").read_text() if (tmp_path / "summary").exists() else ""
    return code, out.getvalue(), err.getvalue(), outputs, summary


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_set_from_pins_every_build_and_reports_the_services(tmp_path: Path, infra: Path) -> None:
    meta = write(
        tmp_path / "meta",
        {
            "api": metadata("ghcr.io/acme/api", "2.0.0", digest=DIGEST, revision=OTHER_SHA),
            "web": metadata("ghcr.io/acme/web", "2.1.0", pushed=False),
        },
    )

    code, out, err, outputs, summary = run(
        tmp_path, "--infra-dir", str(infra), "--set-from", str(meta), "--set", "ghcr.io/acme/cron=3.0.0"
    )

    assert code == 0, err
    assert (
        f"image: ghcr.io/acme/api:2.0.0@{DIGEST}  # main" in (infra / "apps/api/deployment.yaml").read_text()
    )
    assert "image: ghcr.io/acme/web:2.1.0  # main" in (infra / "apps/web/deployment.yaml").read_text()
    assert "image: ghcr.io/acme/cron:3.0.0  # main" in (infra / "apps/cron/deployment.yaml").read_text()
    assert "image: ghcr.io/acme/worker:1.0.0" in (infra / "apps/worker/deployment.yaml").read_text()
    assert outputs["deployed"] == "api\nweb" and outputs["missing"] == ""
    assert "build-and-push did not push this build (pushed: false)" in err
    assert "Deployed 2 service(s): api, web" in out
    assert (
        "| `ghcr.io/acme/cron` | `1.0.0` → `3.0.0` | [3f2a1bc](https://github.com/acme/mono/commit/"
        in summary
    )
    assert "| `ghcr.io/acme/api` | `1.0.0` → `2.0.0@sha256:cccccccccccc` | [0123456](" in summary
    assert "Deployed 2 service(s): api, web." in summary


def test_json_lists_the_images_and_the_services(tmp_path: Path, infra: Path) -> None:
    meta = _folder(tmp_path, ["api", "web"])

    code, out, err, _, _ = run(
        tmp_path,
        "--infra-dir",
        str(infra),
        "--set-from",
        str(meta),
        "--expect-builds",
        "api,web,worker",
        "--partial",
        "--json",
    )

    assert code == 0, err
    doc = json.loads(out)
    assert (doc["deployed"], doc["missing"], doc["unexpected"]) == (["api", "web"], ["worker"], [])
    assert [(i["image"], i["old"], i["new"], i["source_commit"]) for i in doc["images"]] == [
        ("ghcr.io/acme/api", "1.0.0", "2.0.0@sha256:cccccccccccc", SHA),
        ("ghcr.io/acme/web", "1.0.0", "2.0.0@sha256:cccccccccccc", SHA),
    ]
    assert "partial: 1 expected build(s) missing, not deployed: worker; deploying the 2 present" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--expect-builds", "api,web,worker"], "1 expected build(s) missing: worker; nothing deployed"),
        (["--image", "ghcr.io/acme/api", "--tag", "9"], "given twice: ghcr.io/acme/api (--image/--set and "),
        (["--set", "ghcr.io/acme/web=9"], "given twice: ghcr.io/acme/web"),
    ],
)
def test_a_refused_run_writes_nothing(tmp_path: Path, infra: Path, extra: list[str], message: str) -> None:
    meta = _folder(tmp_path, ["api", "web"])
    before = _snapshot(infra)

    code, out, err, outputs, _ = run(tmp_path, "--infra-dir", str(infra), "--set-from", str(meta), *extra)

    assert code == 1 and message in err, err
    assert _snapshot(infra) == before and outputs.get("changed") is None


def test_a_bad_metadata_file_writes_nothing(tmp_path: Path, infra: Path) -> None:
    meta = _folder(tmp_path, ["api", "web"])
    (meta / "worker.json").write_text(json.dumps({**GOOD, "digest": "sha256:nope"}))
    before = _snapshot(infra)

    code, _, err, _, _ = run(tmp_path, "--infra-dir", str(infra), "--set-from", str(meta))

    assert code == 1 and "worker.json" in err and "neither sha256" in err
    assert _snapshot(infra) == before


@pytest.mark.parametrize("option", [["--expect-builds", "api"], ["--partial"]])
def test_expect_builds_and_partial_need_set_from(tmp_path: Path, infra: Path, option: list[str]) -> None:
    code, _, err, _, _ = run(
        tmp_path, "--infra-dir", str(infra), "--image", "ghcr.io/acme/api", "--tag", "2", *option
    )
    assert code == 1 and "given without set-from" in err


def test_one_image_without_set_from_shows_no_image_rows(tmp_path: Path, infra: Path) -> None:
    code, out, err, outputs, summary = run(
        tmp_path, "--infra-dir", str(infra), "--image", "ghcr.io/acme/api", "--tag", "2.0.0"
    )

    assert code == 0, err
    change = "apps/api/deployment.yaml:10: container: ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:2.0.0"
    assert out == f"{change}\nChanged 1 file(s).\n"
    assert "| Image |" not in summary and "deployed" not in outputs


def test_set_from_is_relative_to_the_working_directory(
    tmp_path: Path, infra: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _folder(tmp_path, ["api"])
    monkeypatch.chdir(tmp_path)
    code, _, err, outputs, _ = run(tmp_path, "--infra-dir", str(infra), "--set-from", "meta")
    assert code == 0, err
    assert outputs["deployed"] == "api"
