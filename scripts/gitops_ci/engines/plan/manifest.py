"""The services manifest (`gitops-ci.services.yml`): the services one repository builds, each with
its context, Dockerfile, image, the paths that trigger it and its quality-gate settings.

    defaults:
      registry: ghcr.io/acme            # image = <registry>/<name> when a service gives none
      gate: {tools: "black,pytest"}     # under every service's own gate settings
    services:
      - name: api                       # lowercase; the matrix key and the artifact's name
        context: services/api           # relative to the repository's root
        dockerfile: services/api/Dockerfile   # default <context>/Dockerfile
        image: ghcr.io/acme/api         # default <defaults.registry>/<name>
        paths: [services/api/**, libs/common/**, '!**/*.md']   # default [<context>/**]
        gate: {tools: "black,pytest", working-directory: services/api}

The file is read as YAML nodes (never constructed: a tag builds nothing, an alias is not
expanded), and every problem is collected with its line before one error lists them all.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from gitops_ci.engines.plan import globs
from gitops_ci.engines.plan.check import EXAMPLE, check_exists
from gitops_ci.errors import UserError

if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node

FILE_NAME = "gitops-ci.services.yml"
# quality-gate inputs a service may set: those a per-service matrix job needs. Each becomes a
# `gate-<key>` value of the matrix (empty when unset); `working-directory` defaults to the context.
GATE_KEYS = ("tools", "working-directory", "install", "python", "coverage-min")
TOP_KEYS = ("defaults", "services")
DEFAULT_KEYS = ("registry", "gate")
SERVICE_KEYS = ("name", "context", "dockerfile", "image", "paths", "gate")
NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
MAX_NAME = 100
_CORE_TAG = "tag:yaml.org,2002:"
_NULL = _CORE_TAG + "null"


@dataclass(frozen=True)
class Service:
    name: str
    context: str  # relative to the repository's root, normalised ("." for the root itself)
    dockerfile: str  # relative to the repository's root
    image: str  # a repository without tag
    paths: tuple[str, ...]  # the patterns as written, or the default
    gate: Mapping[str, str]  # every GATE_KEYS key; "" when unset
    line: int = 0
    filter: globs.Filter = field(default=globs.Filter(()), compare=False, repr=False)

    @property
    def file(self) -> str:
        """The Dockerfile relative to the context, as build-and-push's `file` input takes it."""
        return posixpath.relpath(self.dockerfile, self.context)

    def selects(self, path: str) -> bool:
        return self.filter.selects(path)


@dataclass(frozen=True)
class Manifest:
    services: tuple[Service, ...]


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 when the whole file is meant
    message: str
    fix: str = ""


class ManifestError(UserError):
    """The services file is not valid: every problem found, each with its line."""

    def __init__(self, shown: str, problems: tuple[Problem, ...]) -> None:
        self.file = shown
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        lines = [f"services file {shown} is not valid ({count}):"]
        for problem in problems:
            where = f"{shown}:{problem.line}" if problem.line else shown
            lines.append(f"  {where}: {problem.message}")
            if problem.fix:
                lines.append(f"    fix: {problem.fix}")
        super().__init__("\n".join(lines))


def load(path: Path, root: Path, shown: str) -> Manifest:
    """The manifest at `path`; `root` is the repository the paths in it are relative to."""
    check_exists(path, shown)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the services file {shown}", why=exc.strerror or str(exc)) from None
    return parse(data, root, shown)


def parse(data: bytes, root: Path, shown: str) -> Manifest:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(shown, (Problem(0, f"byte {exc.start} is not UTF-8", "save the file as UTF-8"),))
    reader = _Reader(root)
    services = reader.read(text.removeprefix("\ufeff"))
    if reader.problems:
        raise ManifestError(shown, tuple(sorted(reader.problems, key=lambda p: p.line)))
    return Manifest(services)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: Node) -> str:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "empty" if node.tag == _NULL else "a single value"


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.named: dict[str, int] = {}  # each service name, and the line that first gave it

    def problem(self, node: Node | int, message: str, fix: str = "") -> None:
        self.problems.append(Problem(node if isinstance(node, int) else _line(node), message, fix))

    # -- the document --------------------------------------------------------------------
    def read(self, text: str) -> tuple[Service, ...]:
        document = self._compose(text)
        if document is None:
            if not self.problems:
                self.problem(0, "the file is empty", f"list the services, e.g.\n{EXAMPLE}")
            return ()
        top = self.mapping(document, "the file", TOP_KEYS)
        if top is None:
            return ()
        registry, gate = self.defaults(top.get("defaults"))
        listed = top.get("services")
        if listed is None:
            self.problem(document, "`services:` is missing", f"list the services, e.g.\n{EXAMPLE}")
            return ()
        return self.services(listed[1], registry, gate)

    def _compose(self, text: str) -> Node | None:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        try:
            node: Node | None = YAML(typ="safe", pure=True).compose(text)
            return node
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            detail = " ".join(str(part) for part in (exc.context, exc.problem) if part)
            self.problem(
                int(mark.line) + 1 if mark else 0,
                f"not valid YAML: {detail or exc}",
                "fix the YAML at that line; a pattern that starts with `*`, `!` or `[` needs quotes",
            )
        except (YAMLError, RecursionError, ValueError) as exc:
            why = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc).strip()
            self.problem(0, f"not valid YAML: {why}", "fix the YAML syntax")
        return None

    # -- shapes ----------------------------------------------------------------------------
    def mapping(
        self, node: Node, where: str, allowed: tuple[str, ...]
    ) -> dict[str, tuple[Node, Node]] | None:
        """`node`'s keys (their node and value node), each problem with them reported; None when
        it is no mapping."""
        from ruamel.yaml.nodes import MappingNode, ScalarNode

        if not isinstance(node, MappingNode):
            self.problem(
                node, f"{where} must be a mapping of keys, not {_kind(node)}", "keys: " + ", ".join(allowed)
            )
            return None
        found: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(key, f"{where}: a key must be a name, not {_kind(key)}")
                continue
            name = str(key.value)
            if name in found:
                first = _line(found[name][0])
                self.problem(
                    key, f"{where}: `{_short(name)}` is given twice (first at line {first})", "keep one"
                )
            elif name not in allowed:
                self.problem(
                    key, f"{where}: unknown key `{_short(name)}`", "allowed keys: " + ", ".join(allowed)
                )
            else:
                found[name] = (key, value)
        return found

    def text(self, node: Node, where: str) -> str | None:
        """A single value's text (as written: `007` stays `007`); None when empty or not one."""
        from ruamel.yaml.nodes import ScalarNode

        if not isinstance(node, ScalarNode):
            self.problem(node, f"{where} must be a single value, not {_kind(node)}")
            return None
        tag = str(node.tag or "")
        if not tag.startswith(_CORE_TAG):
            self.problem(
                node,
                f"{where}: YAML reads `{_short(tag)}` as a tag",
                "quote the value: a YAML value that starts with `!` is a tag, e.g. write '!docs/**'",
            )
            return None
        if tag == _NULL or not str(node.value).strip():
            self.problem(node, f"{where} is empty", "give it a value, or leave the key out")
            return None
        return str(node.value).strip()

    # -- defaults ----------------------------------------------------------------------------
    def defaults(self, entry: tuple[Node, Node] | None) -> tuple[str, dict[str, str]]:
        if entry is None or entry[1].tag == _NULL:
            return "", {}
        keys = self.mapping(entry[1], "`defaults`", DEFAULT_KEYS)
        if keys is None:
            return "", {}
        registry = ""
        if "registry" in keys:
            registry = (self.text(keys["registry"][1], "`defaults.registry`") or "").rstrip("/").lower()
        gate: dict[str, str] = {}
        if "gate" in keys:
            gate = self.gate(keys["gate"][1], "", "defaults.gate")
        return registry, gate

    def gate(self, node: Node, owner: str, label: str) -> dict[str, str]:
        """The gate settings under `label` (`defaults.gate`, shared by every service, or a
        service's `gate`); `owner` starts each message (`service `api`: `)."""
        if node.tag == _NULL:
            return {}
        shared = label == "defaults.gate"
        where = f"{owner}`{label}`"
        keys = self.mapping(node, where, GATE_KEYS)
        if keys is None:
            return {}
        settings: dict[str, str] = {}
        for name, (key, value) in keys.items():
            if shared and name == "working-directory":
                self.problem(
                    key,
                    f"{where}: `working-directory` cannot be shared: each service's gate runs in its "
                    "own folder (its context unless its gate says otherwise)",
                    "set it in a service's own `gate:`",
                )
                continue
            given = self.gate_value(value, f"{owner}`{label}.{name}`")
            if given is not None and name == "working-directory":
                given = self.repo_path(value, given, f"{owner}`{label}.working-directory`", "dir")
            if given is not None:
                settings[name] = given
        return settings

    def gate_value(self, node: Node, where: str) -> str | None:
        """A gate setting as an `INPUT_*` value: a single value as written, a list one item a line."""
        from ruamel.yaml.nodes import SequenceNode

        if not isinstance(node, SequenceNode):
            return self.text(node, where)
        items = [self.text(item, f"{where}[{i}]") for i, item in enumerate(node.value)]
        if not items:
            self.problem(node, f"{where} is an empty list", "give it a value, or leave the key out")
        return "\n".join(i for i in items if i is not None) if items and None not in items else None

    # -- services ----------------------------------------------------------------------------
    def services(self, node: Node, registry: str, shared_gate: Mapping[str, str]) -> tuple[Service, ...]:
        from ruamel.yaml.nodes import SequenceNode

        if not isinstance(node, SequenceNode):
            self.problem(node, f"`services` must be a list, not {_kind(node)}", f"e.g.\n{EXAMPLE}")
            return ()
        if not node.value:
            self.problem(node, "`services` lists no service", f"e.g.\n{EXAMPLE}")
        found = (self.service(item, index, registry, shared_gate) for index, item in enumerate(node.value))
        return tuple(service for service in found if service is not None)

    def service(
        self, node: Node, index: int, registry: str, shared_gate: Mapping[str, str]
    ) -> Service | None:
        keys = self.mapping(node, f"services[{index}]", SERVICE_KEYS)
        if keys is None:
            return None
        before = len(self.problems)
        name = self.name(keys, node, index)
        where = f"service `{name}`" if name else f"services[{index}]"
        context = self.required_path(keys, node, where, "context", "dir")
        dockerfile = image = None
        patterns: tuple[globs.Pattern, ...] = ()
        if "dockerfile" in keys:
            dockerfile = self.path_value(keys["dockerfile"][1], f"{where}: `dockerfile`", "file")
        elif context is not None:
            dockerfile = self.default_dockerfile(node, where, context)
        if name:
            image = self.image(keys.get("image"), node, where, name, registry)
        if "paths" in keys:
            patterns = self.paths(keys["paths"][1], where)
        elif context is not None and dockerfile is not None:
            default = ["**" if context == "." else f"{context}/**"]
            if not _inside(dockerfile, context):  # a Dockerfile kept elsewhere triggers it too
                default.append(globs.literal(dockerfile))
            patterns = tuple(globs.compile_pattern(p) for p in default)
        gate = {key: "" for key in GATE_KEYS}
        gate.update(shared_gate)
        gate["working-directory"] = context or ""
        if "gate" in keys:
            gate.update(self.gate(keys["gate"][1], f"{where}: ", "gate"))
        if len(self.problems) > before or not (name and context and dockerfile and image):
            return None
        return Service(
            name,
            context,
            dockerfile,
            image,
            tuple(p.text for p in patterns),
            gate,
            _line(node),
            globs.Filter.of(patterns),
        )

    def name(self, keys: Mapping[str, tuple[Node, Node]], node: Node, index: int) -> str:
        if "name" not in keys:
            self.problem(
                node, f"services[{index}] has no `name`", "give it a unique lowercase name, e.g. `name: api`"
            )
            return ""
        value = keys["name"][1]
        name = self.text(value, f"services[{index}]: `name`")
        if name is None:
            return ""
        if not NAME.fullmatch(name) or len(name) > MAX_NAME:
            self.problem(
                value,
                f"services[{index}]: the name `{_short(name)}` is not allowed",
                "a name is lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit, "
                f"at most {MAX_NAME} characters (it names the matrix job and its artifact), e.g. `shop-api`",
            )
            return ""
        if name in self.named:
            self.problem(
                value,
                f"services[{index}]: the name `{name}` is taken (first at line {self.named[name]})",
                "service names are unique: rename one, or merge the two",
            )
            return ""
        self.named[name] = _line(value)
        return name

    def required_path(
        self, keys: Mapping[str, tuple[Node, Node]], node: Node, where: str, key: str, kind: str
    ) -> str | None:
        if key not in keys:
            self.problem(
                node, f"{where} has no `{key}`", f"give the service's folder, e.g. `{key}: services/api`"
            )
            return None
        return self.path_value(keys[key][1], f"{where}: `{key}`", kind)

    def path_value(self, node: Node, where: str, kind: str) -> str | None:
        text = self.text(node, where)
        return None if text is None else self.repo_path(node, text, where, kind)

    def repo_path(self, node: Node, text: str, where: str, kind: str) -> str | None:
        """`text` as a path inside the repository (normalised), checked to be a folder or a file."""
        fix = "write it relative to the repository's root, with `/`, e.g. `services/api`"
        if text.startswith("/") or re.match(r"[A-Za-z]:", text):
            self.problem(node, f"{where} is absolute: `{_short(text)}`", fix)
            return None
        if "\\" in text:
            self.problem(node, f"{where} uses `\\`: `{_short(text)}`", fix)
            return None
        if ".." in text.split("/"):
            self.problem(node, f"{where} goes outside the repository (`..`): `{_short(text)}`", fix)
            return None
        path = posixpath.normpath(text)
        target = self.root / path
        wanted = "folder" if kind == "dir" else "file"
        if (target.is_dir() if kind == "dir" else target.is_file()) and _within(target, self.root):
            return path
        if target.exists() and not _within(target, self.root):
            self.problem(
                node, f"{where} leads outside the repository (a symbolic link): `{_short(text)}`", fix
            )
        else:
            state = f"is not a {wanted}" if target.exists() else "does not exist"
            self.problem(
                node, f"{where} {state} in the repository: `{_short(text)}`", f"give the path of a {wanted}"
            )
        return None

    def default_dockerfile(self, node: Node, where: str, context: str) -> str | None:
        dockerfile = posixpath.normpath(posixpath.join(context, "Dockerfile"))
        if (self.root / dockerfile).is_file():
            return dockerfile
        others = [n for n in ("Containerfile", "dockerfile") if (self.root / context / n).is_file()]
        fix = f"set `dockerfile: {context}/{others[0]}`" if others else "set `dockerfile:` to its path"
        self.problem(node, f"{where}: there is no {dockerfile}", fix)
        return None

    def image(
        self, entry: tuple[Node, Node] | None, node: Node, where: str, name: str, registry: str
    ) -> str | None:
        if entry is None:
            if not registry:
                self.problem(
                    node,
                    f"{where} has no `image` and there is no `defaults.registry`",
                    f"set `image: ghcr.io/OWNER/{name}`, or `registry: ghcr.io/OWNER` under `defaults:`",
                )
                return None
            return self.check_image(node, f"{registry}/{name}", where)
        text = self.text(entry[1], f"{where}: `image`")
        return None if text is None else self.check_image(entry[1], text.lower(), where)

    def check_image(self, node: Node, image: str, where: str) -> str | None:
        from gitops_ci.engines.build_push.spec import check_repository

        if ":" in image.rsplit("/", 1)[-1] or "@" in image:
            self.problem(
                node,
                f"{where}: the image `{_short(image)}` has a tag or digest",
                "give the repository only; build-and-push makes the tags",
            )
            return None
        try:
            check_repository(image)
        except UserError as exc:
            self.problem(
                node, f"{where}: the image `{_short(image)}` is not a repository name: {exc.why}", exc.fix
            )
            return None
        return image

    def paths(self, node: Node, where: str) -> tuple[globs.Pattern, ...]:
        from ruamel.yaml.nodes import SequenceNode

        example = "e.g. `paths: [services/api/**, libs/common/**, '!**/*.md']`"
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{where}: `paths` must be a list of patterns, not {_kind(node)}", example)
            return ()
        if not node.value:
            self.problem(
                node,
                f"{where}: `paths` is empty, so nothing would ever select it",
                "leave `paths` out for the default `<context>/**`",
            )
            return ()
        patterns: list[globs.Pattern] = []
        for index, item in enumerate(node.value):
            text = self.text(item, f"{where}: paths[{index}]")
            if text is None:
                continue
            try:
                patterns.append(globs.compile_pattern(text))
            except globs.GlobError as exc:
                self.problem(
                    item, f"{where}: the pattern `{_short(text)}` is not a filter pattern: {exc}", example
                )
        if patterns and all(p.exclude for p in patterns):
            self.problem(
                node,
                f"{where}: `paths` only excludes (`!`), so it selects nothing",
                "list what triggers the service first, e.g. `[services/api/**, '!services/api/docs/**']`",
            )
        return tuple(patterns)


def _inside(path: str, folder: str) -> bool:
    return folder == "." or path.startswith(folder.rstrip("/") + "/")


def _within(target: Path, root: Path) -> bool:
    try:
        target.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _short(text: str, limit: int = 80) -> str:
    """A value quoted in a message, on one line and of bounded length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
