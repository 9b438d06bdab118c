"""Write each action's inputs and outputs into README.md as tables, from its action.yml (and each
reusable workflow's, from its `workflow_call` trigger), so the README can never disagree with them.

    python -m gitops_ci_dev.readme          # rewrite the tables in README.md
    python -m gitops_ci_dev.readme --check  # exit 1 if README.md is out of date

The tables sit between `<!-- gitops-ci:begin PATH -->` and `<!-- gitops-ci:end -->`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(
    r"(<!-- gitops-ci:begin (?P<path>[\w./-]+) -->\n)(?P<body>.*?)(<!-- gitops-ci:end -->)", re.DOTALL
)


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(spec: dict[str, Any]) -> str:
    if "default" not in spec:
        return ""
    value = spec["default"]
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"`{_cell(text)}`" if text else '`""`'


def tables(action: dict[str, Any]) -> str:
    lines = ["| input | description | default |", "|---|---|---|"]
    for name, spec in (action.get("inputs") or {}).items():
        lines.append(f"| `{name}` | {_cell(spec.get('description', ''))} | {_default(spec)} |")
    outputs = action.get("outputs") or {}
    if outputs:
        lines += ["", "| output | description |", "|---|---|"]
        for name, spec in outputs.items():
            lines.append(f"| `{name}` | {_cell(spec.get('description', ''))} |")
    return "\n".join(lines) + "\n"


def workflow_tables(workflow: dict[str, Any]) -> str:
    """A reusable workflow's inputs (a required one says so), secrets and outputs."""
    call = (workflow.get("on") or {}).get("workflow_call") or {}
    lines = ["| input | description | default |", "|---|---|---|"]
    for name, spec in (call.get("inputs") or {}).items():
        default = "required" if spec.get("required") else _default(spec)
        lines.append(f"| `{name}` | {_cell(spec.get('description', ''))} | {default} |")
    secrets = call.get("secrets") or {}
    if secrets:
        lines += ["", "| secret | description | required |", "|---|---|---|"]
        for name, spec in secrets.items():
            required = "yes" if spec.get("required") else ""
            lines.append(f"| `{name}` | {_cell(spec.get('description', ''))} | {required} |")
    outputs = call.get("outputs") or {}
    if outputs:
        lines += ["", "| output | description |", "|---|---|"]
        for name, spec in outputs.items():
            lines.append(f"| `{name}` | {_cell(spec.get('description', ''))} |")
    return "\n".join(lines) + "\n"


def load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def render(readme: str, root: Path = ROOT) -> str:
    """README text with every marked block regenerated from the action.yml or workflow it names."""

    def block(match: re.Match[str]) -> str:
        path = root / match.group("path")
        if not path.is_file():
            raise SystemExit(f"README.md names {match.group('path')}, which does not exist")
        data = load(path)
        return match.group(1) + (workflow_tables(data) if "jobs" in data else tables(data)) + match.group(4)

    return BLOCK.sub(block, readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if README.md is out of date")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if current == fresh:
        return 0
    if args.check:
        print(
            "README.md's action and workflow tables are out of date: run `python -m gitops_ci_dev.readme`",
            file=sys.stderr,
        )
        return 1
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
