"""Read `$GITHUB_OUTPUT` back the way the Actions runner does, for tests of every command."""

from __future__ import annotations

from pathlib import Path


def _read_line(text: str, index: int) -> tuple[str | None, int, str | None]:
    if index >= len(text):
        return None, index, None
    lf = text.find("\n", index)
    if lf < 0:
        return text[index:], len(text), None
    return text[index:lf], lf + 1, "\n"


def read_github_output(text: str) -> dict[str, str]:
    """Parse $GITHUB_OUTPUT the way the Actions runner does (FileCommandManager, Linux newlines)."""
    values: dict[str, str] = {}
    line, index, _ = _read_line(text, 0)
    while line is not None:
        if line:
            equals, heredoc = line.find("="), line.find("<<")
            if equals >= 0 and (heredoc < 0 or equals < heredoc):
                name, value = line.split("=", 1)
                values[name] = value
            elif heredoc >= 0:
                name, delimiter = line.split("<<", 1)
                if not name or not delimiter:
                    raise ValueError(f"Invalid format {line!r}")
                start = end = index
                temp, index, newline = _read_line(text, index)
                while temp != delimiter:
                    if temp is None:
                        raise ValueError(f"Matching delimiter not found {delimiter!r}")
                    if newline is None:
                        raise ValueError("EOF marker missing new line")
                    end = index - len(newline)
                    temp, index, newline = _read_line(text, index)
                values[name] = text[start:end] if end > start else ""
            else:
                raise ValueError(f"Invalid format {line!r}")
        line, index, _ = _read_line(text, index)
    return values


def read_output_file(path: Path) -> dict[str, str]:
    """The outputs in a `$GITHUB_OUTPUT` file; a file never written means none."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        return read_github_output(handle.read())
