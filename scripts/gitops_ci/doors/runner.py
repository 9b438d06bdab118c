"""The one adapter for everything the user sees.

On a GitHub runner (GITHUB_ACTIONS=true): `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, workflow
commands (annotations, masks, groups). Elsewhere: readable text, or one JSON document with
`--json`. Every string that leaves through here is redacted first.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import IO, Any, Iterator, Mapping

from gitops_ci.annotation import Annotation
from gitops_ci.context import SUMMARY_CAP
from gitops_ci.record import Record, field
from gitops_ci.secrets import Redactor

TRUNCATED_NOTE = "\n\n> **Note:** the rest of this summary was cut to stay within GitHub's 1 MiB limit.\n"


def escape_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (GitHub's escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, message: str, properties: Mapping[str, object] | None = None) -> str:
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (properties or {}).items()
        if value is not None and value != ""
    )
    head = f"::{command} {props}" if props else f"::{command}"
    return f"{head}::{escape_data(message)}"


def heredoc_output(name: str, value: str, delimiter: str | None = None) -> str:
    """One `$GITHUB_OUTPUT` entry; the delimiter never occurs in the value."""
    delimiter = delimiter or _new_delimiter()
    while delimiter in value or delimiter in name:
        delimiter = _new_delimiter()
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _new_delimiter() -> str:
    return f"ghadelimiter_{_token_hex(16)}"


def _token_hex(nbytes: int) -> str:
    """As `secrets.token_hex`, whose import costs 4 ms at every start."""
    return os.urandom(nbytes).hex()


def _one_line(note: Annotation) -> str:
    """`file:line: title: message` — what a chat message or a later step can quote."""
    where = f"{note.file}:{note.line}" if note.file and note.line else (note.file or "")
    parts = [p for p in (where, note.title or "", note.message) if p]
    return ": ".join(parts)


def truncate_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits in ``limit`` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


class Console(Record, frozen=False):
    """Writes what the user sees; `environ` and the streams are parameters, never globals."""

    environ: Mapping[str, str]
    stdout: IO[str]
    stderr: IO[str]
    redactor: Redactor = field(default_factory=Redactor)
    json_mode: bool = False
    _summary_bytes: int = 0
    _summary_truncated: bool = False
    first_error: str = ""  # the first error annotation, as one line: the step's `error` output
    stdin: IO[str] | None = None  # standard input; None: the process's (sys.stdin when read)

    @property
    def on_runner(self) -> bool:
        return self.environ.get("GITHUB_ACTIONS") == "true"

    # -- secrets -------------------------------------------------------------------------
    def mask(self, secret: str) -> None:
        """Register a secret the moment it is read; on a runner also `::add-mask::` it."""
        for value in self.redactor.add(secret):
            if self.on_runner:
                self._command_line(f"::add-mask::{escape_data(value)}")

    def redact(self, text: str) -> str:
        return self.redactor.redact(text)

    # -- input -------------------------------------------------------------------------
    def read_stdin(self) -> str:
        """All of standard input (e.g. a password given with --password-stdin)."""
        return (self.stdin if self.stdin is not None else sys.stdin).read()

    # -- logs ----------------------------------------------------------------------------
    def info(self, message: str) -> None:
        """Progress for people; goes to stderr when stdout carries the JSON document."""
        stream = self.stderr if self.json_mode else self.stdout
        print(self.redact(message), file=stream, flush=True)

    def debug(self, message: str) -> None:
        if self.on_runner:
            self._command_line(format_command("debug", self.redact(message)))
        elif self.environ.get("GITOPS_CI_DEBUG"):
            print(self.redact(message), file=self.stderr, flush=True)

    def annotate(self, note: Annotation) -> None:
        message = self.redact(note.message)
        if note.level == "error" and not self.first_error:
            self.first_error = self.redact(_one_line(note))
        if self.on_runner:
            props = {
                "file": self.redact(note.file) if note.file else None,
                "line": note.line,
                "col": note.col,
                "endLine": note.end_line,
                "title": self.redact(note.title) if note.title else None,
            }
            self._command_line(format_command(note.level, message, props))
            return
        where = note.file or ""
        if note.file and note.line:
            where += f":{note.line}" + (f":{note.col}" if note.col else "")
        prefix = f"{note.level}: " + (f"{where}: " if where else "")
        title = f"{note.title}: " if note.title else ""
        print(self.redact(prefix + title) + message, file=self.stderr, flush=True)

    def error(self, message: str, **where: Any) -> None:
        self.annotate(Annotation("error", message, **where))

    def warning(self, message: str, **where: Any) -> None:
        self.annotate(Annotation("warning", message, **where))

    @contextlib.contextmanager
    def group(self, title: str) -> Iterator[None]:
        if self.on_runner:
            self._command_line(f"::group::{escape_data(self.redact(title))}")
        else:
            self.info(f"-- {title}")
        try:
            yield
        finally:
            if self.on_runner:
                self._command_line("::endgroup::")

    # -- outputs -------------------------------------------------------------------------
    def set_outputs(self, outputs: Mapping[str, object]) -> None:
        path = self.environ.get("GITHUB_OUTPUT", "")
        if not path:
            return
        with open(path, "a", encoding="utf-8", newline="\n") as handle:
            for name, value in outputs.items():
                handle.write(heredoc_output(name, self.redact(_output_text(value))))

    def summary(self, markdown: str) -> None:
        """Append to the step summary, cutting it (with a visible note) at GitHub's 1 MiB cap."""
        path = self.environ.get("GITHUB_STEP_SUMMARY", "")
        if not path or self._summary_truncated:
            return
        text = self.redact(markdown)
        if not text.endswith("\n"):
            text += "\n"
        if self._summary_bytes == 0 and os.path.exists(path):
            self._summary_bytes = os.path.getsize(path)
        # Keep room for the note: once a call has filled the file, a later one could not add it.
        room = SUMMARY_CAP - len(TRUNCATED_NOTE.encode("utf-8")) - self._summary_bytes
        size = len(text.encode("utf-8"))
        if size > room:
            self._summary_truncated = True
            if room < 0:  # the file was already full before we wrote: the note would break the cap
                return
            text = truncate_utf8(text, room) + TRUNCATED_NOTE
            size = len(text.encode("utf-8"))
        with open(path, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        self._summary_bytes += size

    def result(self, document: Mapping[str, Any], text: str) -> None:
        """The command's result: one JSON document with --json, else readable text."""
        if self.json_mode:
            print(self.redact(json.dumps(document, indent=2, sort_keys=False)), file=self.stdout)
        elif text:
            print(self.redact(text), file=self.stdout, flush=True)

    def _command_line(self, line: str) -> None:
        print(line, file=self.stdout, flush=True)


def _output_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)
