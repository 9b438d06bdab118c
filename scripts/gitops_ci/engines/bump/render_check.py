"""The render check: a bump must change what kustomize renders, not only the file it edits.

Every kustomization root that includes a changed file is built before the edit (the tree as
it is) and after it (the plan's new bytes in a temporary copy of the root's folders, so the
real tree is never touched). When a container that ran an old reference of a target does not
run the new reference after the edit, an overlay decides the image (a patch, or an `images:`
entry out of scope): the bump would report "changed" and deploy nothing, so it is refused.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from ruamel.yaml.error import YAMLError

from gitops_ci.engines.bump.edit import selected
from gitops_ci.engines.bump.files import SKIP_DIRS
from gitops_ci.engines.bump.model import (
    RENDER_CHECK_MODES,
    FileEdit,
    Plan,
    RenderCheck,
    RenderedRoot,
    Running,
    Scope,
    Services,
    Target,
)
from gitops_ci.engines.bump.reference import last_component, normalize_name, parse_reference
from gitops_ci.engines.bump.shapes import CONTAINER_LISTS, KUSTOMIZATION_FILES
from gitops_ci.engines.bump.yamldoc import loader
from gitops_ci.engines.bump.sites import Workload, versions
from gitops_ci.errors import UserError
from gitops_ci.record import Record, field

# The kustomization reader and the process door load where a check renders: a run with the
# check off, or with nothing to render, needs neither them nor a temporary folder.
if TYPE_CHECKING:
    from gitops_ci.doors import proc
    from gitops_ci.engines.bump.kustomizations import Patch, Tree

MODES = RENDER_CHECK_MODES
RENDERERS = (("kustomize", "build"), ("kubectl", "kustomize"))  # the standalone tool first
TIMEOUT = 120.0
WORKERS = 4
SPARSE_PATTERNS = tuple(sorted(KUSTOMIZATION_FILES))  # non-cone: these names in every folder
_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] "command failed" err="(.*)"$', re.MULTILINE)


def active(mode: str, environ: Mapping[str, str]) -> bool:
    """Whether the check will render (or fail for want of a renderer): mode auto (when a
    renderer is on PATH), true (one must be) or false."""
    return mode == "true" or (mode == "auto" and find_renderer(environ) is not None)


class Container(Record):
    kind: str
    namespace: str
    name: str
    container: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace or '-'}/{self.name}/{self.container}"


class Build(Record):
    """One render: the image of every container, or why it failed."""

    images: dict[Container, str] = field(default_factory=dict)
    error: str = ""


def check(
    infra_dir: Path, plan: Plan, targets: Sequence[Target], scope: Scope, mode: str, services: Services
) -> Plan:
    """``plan`` with what the render check saw (``mode`` as in `active`); a UserError when the
    edit would not reach what a kustomization renders. Reads ``infra_dir``, never writes it."""
    if mode == "false":
        return plan.replace(render=RenderCheck(note="off (render-check: false)"))
    renderer = find_renderer(services.environ)
    if renderer is None:
        if mode == "true":
            raise _no_renderer()
        return plan.replace(render=RenderCheck(note="skipped: neither kustomize nor kubectl is on PATH"))
    name = f"{Path(renderer[0]).name} {renderer[1]}"
    if not plan.edits:
        return plan.replace(render=RenderCheck(name, note="nothing to render: nothing changed"))
    from gitops_ci.engines.bump.kustomizations import Tree

    tree = Tree.find(infra_dir.resolve())
    roots = tree.including(plan.files)
    if not roots:
        return plan.replace(render=RenderCheck(name, note="no kustomization includes a changed file"))
    folders = _outermost(sorted({member for root in roots for member in tree.closure(root)}))
    if services.reveal is not None:
        services.reveal(folders)
    wanted = tuple(sorted({last_component(t.repository) for t in targets}))
    before, after = _render(tree, roots, folders, plan.edits, renderer, services, wanted)
    results = [_compare(tree, root, b, a, targets, scope) for root, b, a in zip(roots, before, after)]
    problems = [problem for _, found in results for problem in found]
    if problems:
        raise _refusal(problems)
    return plan.replace(render=RenderCheck(name, roots=tuple(rendered for rendered, _ in results)))


def find_renderer(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(path of the tool, its subcommand), as `proc` looks programs up."""
    search = environ.get("PATH")
    for program, subcommand in RENDERERS:
        path = shutil.which(program, path=search)
        if path:
            return path, subcommand
    return None


# -- rendering ---------------------------------------------------------------------------
def _render(
    tree: Tree,
    roots: Sequence[str],
    folders: Sequence[str],
    edits: Sequence[FileEdit],
    renderer: tuple[str, str],
    services: Services,
    wanted: Sequence[str],
) -> tuple[list[Build], list[Build]]:
    """Every root built before and after the edit. Most of a build's time is the renderer's
    start-up, so all roots of a side are built in one run, through a wrapper kustomization per
    root that gives its resources a name prefix (no two roots' objects collide, and each object
    is known to be its root's); a side whose joint run fails is built root by root, which names
    the root that fails."""
    import tempfile

    from gitops_ci.doors import proc

    with tempfile.TemporaryDirectory(prefix="gitops-ci-render-") as tmp:
        copy = _stage(tree, folders, edits, Path(tmp) / "infra")
        bases = (tree.root, copy)
        joint = [_wrap(base, roots, Path(tmp) / f"wrap-{side}") for side, base in enumerate(bases)]
        jobs = [
            proc.Job((*renderer, str(wrapper)), cwd=str(wrapper), env=services.environ, timeout=TIMEOUT)
            for wrapper in joint
        ]
        done = proc.run_concurrently(jobs, redactor=services.redactor, log=services.log, max_workers=WORKERS)
        before, after = (_split(result, len(roots), wanted) for result in done)
        if before is None or after is None:  # both sides the same way, so they compare alike
            before, after = (_render_each(base, roots, renderer, services, wanted) for base in bases)
    return before, after


def _render_each(
    base: Path, roots: Sequence[str], renderer: tuple[str, str], services: Services, wanted: Sequence[str]
) -> list[Build]:
    from gitops_ci.doors import proc

    jobs = [
        proc.Job((*renderer, str(base / root)), cwd=str(base), env=services.environ, timeout=TIMEOUT)
        for root in roots
    ]
    done = proc.run_concurrently(jobs, redactor=services.redactor, log=services.log, max_workers=WORKERS)
    # Paths in kustomize's errors, relative to the infra dir (the copy's never shown).
    return [_build(result, str(base) + os.sep, wanted) for result in done]


def _prefix(index: int) -> str:
    return f"gitops-ci-render-{index}-"


# Namespaces and CRDs keep their names under a prefix, so two roots sharing one would collide;
# they hold no containers: each wrapper drops them.
_DROP_UNPREFIXED = """patches:
- target:
    kind: ^(Namespace|CustomResourceDefinition)$
  patch: |-
    $patch: delete
    apiVersion: v1
    kind: Namespace
    metadata:
      name: dropped
"""


def _wrap(base: Path, roots: Sequence[str], wrapper: Path) -> Path:
    """A kustomization that builds every root, each behind a wrapper with its name prefix
    (kustomize takes only relative paths)."""
    for index, root in enumerate(roots):
        folder = wrapper / f"r{index}"
        folder.mkdir(parents=True)
        target = os.path.relpath(base / root, folder)
        (folder / "kustomization.yaml").write_text(
            f"namePrefix: {_prefix(index)}\nresources:\n- {json.dumps(target)}\n{_DROP_UNPREFIXED}",
            encoding="utf-8",
        )
    listed = "".join(f"- r{index}\n" for index in range(len(roots)))
    (wrapper / "kustomization.yaml").write_text(f"resources:\n{listed}", encoding="utf-8")
    return wrapper


def _split(result: proc.Completed | UserError, count: int, wanted: Sequence[str]) -> list[Build] | None:
    """The joint build as one Build per root, or None when it must be built root by root (it
    failed, or an object with containers carries no root's prefix)."""
    if isinstance(result, UserError) or result.returncode != 0:
        return None
    builds = [Build() for _ in range(count)]
    try:
        found = list(_containers(result.stdout, wanted))
    except YAMLError:
        return None
    for container, image in found:
        index = _root_of(container.name, count)
        if index is None:
            return None
        name = container.name.removeprefix(_prefix(index))
        builds[index].images[container.replace(name=name)] = image
    return builds


def _root_of(name: str, count: int) -> int | None:
    head = _prefix(0).rsplit("0-", 1)[0]
    number = name.removeprefix(head).split("-", 1)[0] if name.startswith(head) else ""
    return int(number) if number.isdigit() and int(number) < count else None


def _stage(tree: Tree, folders: Sequence[str], edits: Sequence[FileEdit], dest: Path) -> Path:
    """``folders`` (the roots' and those of what they include) copied to ``dest``, with the
    new bytes of the edits inside them. Symlinks stay symlinks; a file reached through one is
    not written (it could lead back into the real tree)."""
    for folder in folders:
        shutil.copytree(
            tree.root / folder,
            dest / folder,
            symlinks=True,
            ignore=shutil.ignore_patterns(*SKIP_DIRS),
            dirs_exist_ok=True,
        )
    inside = dest.resolve()
    for edit in edits:
        path = dest / edit.file
        if path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(inside):
            path.write_bytes(edit.after)
    return dest


def _outermost(folders: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for folder in sorted(folders, key=lambda f: (f != ".", f)):
        if not any(k == "." or folder == k or folder.startswith(k + "/") for k in kept):
            kept.append(folder)
    return kept


def _build(result: proc.Completed | UserError, base: str, wanted: Sequence[str]) -> Build:
    if isinstance(result, UserError):
        return Build(error=result.what)
    if result.returncode != 0:
        from gitops_ci.doors import proc

        tail = proc.output_tail(result, lines=5).replace(base, "")
        return Build(error=_KLOG.sub(_klog_message, tail) or f"exit code {result.returncode}")
    try:
        return Build(images=dict(_containers(result.stdout, wanted)))
    except YAMLError as exc:
        return Build(error=f"its output is not YAML: {exc}")


def _klog_message(match: re.Match[str]) -> str:
    """kubectl's `E1202 00:50:29.937165 22754 run.go:72] "command failed" err="…"`: the error."""
    return match.group(1).replace('\\"', '"')


_DOCUMENT_START = re.compile(r"^---[ \t]*$", re.MULTILINE)


def _containers(text: str, wanted: Sequence[str]) -> Iterator[tuple[Container, str]]:
    """Every container of the render that could run a target: only the documents that name a
    container image and one of the ``wanted`` names are parsed (the parser is pure Python, and
    a render of many roots is mostly Services, ConfigMaps and other images)."""
    kept = [
        doc for doc in _DOCUMENT_START.split(text) if "image:" in doc and any(name in doc for name in wanted)
    ]
    for doc in loader().load_all("\n---\n".join(kept)):
        if not isinstance(doc, dict):
            continue
        meta = doc.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        kind, namespace, name = (
            str(v or "") for v in (doc.get("kind"), meta.get("namespace"), meta.get("name"))
        )
        for container, image in _pod_containers(doc):
            yield Container(kind, namespace, name, container), image


def _pod_containers(node: Any) -> Iterator[tuple[str, str]]:
    """(name, image) of every container list entry at any depth, as the engine finds them."""
    if isinstance(node, list):
        for item in node:
            yield from _pod_containers(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in CONTAINER_LISTS and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and isinstance(item.get("image"), str):
                        yield str(item.get("name") or ""), item["image"]
            else:
                yield from _pod_containers(value)


# -- comparing ---------------------------------------------------------------------------
def _compare(
    tree: Tree, root: str, before: Build, after: Build, targets: Sequence[Target], scope: Scope
) -> tuple[RenderedRoot, list[str]]:
    if before.error:
        return RenderedRoot(root, skipped=f"it did not render before the edit: {before.error}"), []
    if after.error:
        return RenderedRoot(root), [
            f"overlay {root}: renders before the edit but not after it: {after.error}"
        ]
    by_repo = {normalize_name(t.repository): t for t in targets}
    problems: list[str] = []
    for container, old in before.images.items():
        target = _target_of(old, by_repo)
        if target is None or runs(old, target) or not _selected(container, scope):
            continue
        new = after.images.get(container)
        if new is None or not runs(new, target):
            problems.append(_shadowed(tree, root, container, old, new, target))
    running = tuple(
        Running(str(c), image)
        for c, image in sorted(after.images.items(), key=lambda item: str(item[0]))
        if (target := _target_of(image, by_repo)) is not None and runs(image, target)
    )
    return RenderedRoot(root, running), problems


def _target_of(image: str, by_repo: Mapping[str, Target]) -> Target | None:
    ref = parse_reference(image)
    return by_repo.get(ref.normalized) if ref else None


def runs(image: str, target: Target) -> bool:
    """Whether ``image`` is the target's new reference: its digest when the target has one
    (a tag beside it changes nothing that runs), else its tag and no digest."""
    ref = parse_reference(image)
    if ref is None or ref.normalized != normalize_name(target.repository):
        return False
    tag, digest = versions(target)
    return ref.digest == digest if digest else (ref.tag == tag and ref.digest is None)


def _selected(container: Container, scope: Scope) -> bool:
    if not (scope.kinds or scope.names or scope.containers):
        return True
    return selected(Workload(container.kind, container.name, container.container), scope)


def _shadowed(tree: Tree, root: str, container: Container, old: str, new: str | None, target: Target) -> str:
    runs_now = f"still runs {new}" if new else "is gone"
    where, what = shadow(tree, root, [text for text in (new, old) if text], target.repository)
    return (
        f"overlay {root}: {container} {runs_now} after the edit, not {target.reference}; "
        f"{where} ({what}) sets the image"
    )


def shadow(tree: Tree, root: str, images: Sequence[str], repository: str) -> tuple[str, str]:
    """The file that decides the image ``root`` renders, and what it is: a patch holding the
    image, an `images:` entry for the repository, a patch naming the image, or at least the
    root's kustomization."""
    members = tree.closure(root)
    patches = [patch for member in members for patch in tree.get(member).patches]
    for needle in images:
        found = _patch_with(tree, patches, needle)
        if found:
            return found
    wanted = normalize_name(repository)
    for member in members:
        for entry in tree.get(member).images:
            names = (str(entry.get("name") or ""), str(entry.get("newName") or ""))
            if wanted in {normalize_name(name) for name in names if name}:
                return tree.file(member), "its `images:` entry"
    found = _patch_with(tree, patches, last_component(repository))
    return found or (tree.file(root), "a patch or transformer of it, or of a kustomization it includes")


def _patch_with(tree: Tree, patches: Sequence[Patch], needle: str) -> tuple[str, str] | None:
    for patch in patches:
        if needle in tree.patch_text(patch):
            return patch.file, "a patch" if patch.text is None else "an inline patch in it"
    return None


def _no_renderer() -> UserError:
    return UserError(
        "render-check is true, but neither `kustomize` nor `kubectl` is on PATH",
        why="the render check builds kustomizations with `kustomize build` or `kubectl kustomize`",
        fix="install kubectl or kustomize on the runner (GitHub's hosted runners have both), "
        "or set render-check: auto to skip the check where neither is found",
    )


def _refusal(problems: Sequence[str]) -> UserError:
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return UserError(
        f"render check: after this bump kustomize would still render the old image; nothing was "
        f"written or pushed\n{lines}",
        why="an overlay sets the image itself (a patch, or an `images:` entry bump-manifest was not "
        "asked to edit), so the edited pin does not decide what the cluster runs",
        fix="let bump-manifest edit the file named (include it with --path, or point --key-path at "
        "its value), or remove the image from that patch so the pin decides it; "
        "render-check: false turns this check off",
    )
