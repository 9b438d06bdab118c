"""The two kinds of failure: a UserError exits 1 with advice, anything else is a bug (exit 2)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input, a missing permission or a missing tool: the user can fix it.

    The message says what failed; ``why`` the likely cause; ``fix`` how to fix it.
    """

    def __init__(self, what: str, *, why: str = "", fix: str = "") -> None:
        self.what = what
        self.why = why
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.what]
        if self.why:
            parts.append(f"Why: {self.why}")
        if self.fix:
            parts.append(f"Fix: {self.fix}")
        return "\n".join(parts)


class CommandError(UserError):
    """A subprocess failed. Its text (already redacted) shows command, exit code and output tail."""

    def __init__(self, cmd: str, returncode: int, output_tail: str, *, fix: str = "") -> None:
        self.cmd = cmd
        self.returncode = returncode
        self.output_tail = output_tail
        what = f"command failed with exit code {returncode}: {cmd}"
        why = f"its output ended with:\n{output_tail}" if output_tail else "it printed nothing"
        super().__init__(what, why=why, fix=fix)
