"""Write each action's inputs and outputs into README.md as tables, from its action.yml, so the
README can never disagree with the actions.

    python -m gitops_ci_dev.readme          # rewrite the tables in README.md
    python -m gitops_ci_dev.readme --check  # exit 1 if README.md is out of date

The tables sit between `<!-- gitops-ci:begin ACTION_PATH -->` and `<!-- gitops-ci:end -->`.
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
    return f"`{_cell(spec['default'])}`" if str(spec["default"]) else '`""`'


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


def load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def render(readme: str, root: Path = ROOT) -> str:
    """README text with every marked block regenerated from the action.yml it names."""

    def block(match: re.Match[str]) -> str:
        path = root / match.group("path")
        if not path.is_file():
            raise SystemExit(f"README.md names {match.group('path')}, which does not exist")
        return match.group(1) + tables(load(path)) + match.group(4)

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
            "README.md's action tables are out of date: run `python -m gitops_ci_dev.readme`", file=sys.stderr
        )
        return 1
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
