"""The `gitops-ci` command line: builds the parsers and dispatches; nothing else."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import IO, TYPE_CHECKING, Any, Mapping, Sequence

from gitops_ci import __version__
from gitops_ci.commands import COMMANDS, load, load_all
from gitops_ci.errors import UserError

# The command machinery (inputs, console, and the dataclasses under them) is imported once a
# command runs: `--version` starts with argparse alone. A command's `--help` needs its options
# only; what a run needs (the defaults file, the run context, the console) loads in `dispatch`.
if TYPE_CHECKING:
    from gitops_ci.commands.base import Command
    from gitops_ci.inputs import Option

# The platform's tokens: secret whenever present, whichever command runs; so is every command's
# secret input given as INPUT_* (the catalog names them), even to a command that does not take it.
SECRET_ENV = ("GITHUB_TOKEN", "GH_TOKEN")


class Formatter(argparse.HelpFormatter):
    """argparse's own formatter, as wide as the terminal the way `shutil.get_terminal_size` tells
    it (COLUMNS, else the terminal's width, else 80): argparse makes one for every option added,
    and would import shutil (and its compression modules) for that, ~2 ms of every start."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        width = terminal_columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


def terminal_columns() -> int:
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout (None), closed, or not a terminal
        return 80


def build_parser(only: Command | None = None, *, bare: bool = False) -> argparse.ArgumentParser:
    """The whole parser, or (`only`) the parser of the one command being run, which then need
    not import the others, or (`bare`) one without commands, enough for `--version`."""
    parser = argparse.ArgumentParser(
        prog="gitops-ci",
        formatter_class=Formatter,
        description="Push to deployment the GitOps way: quality-gate, build-and-push, "
        "bump-manifest, notify. Each option can also be set by its INPUT_* environment "
        "variable or in the fork's gitops-ci.defaults.yml; a flag wins over both.",
    )
    parser.add_argument("--version", action="version", version=f"gitops-ci {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in [] if bare else [only] if only else load_all().values():
        _add_command(sub, command)
    return parser


def _add_command(sub: Any, command: Command) -> None:
    from gitops_ci import defaults

    parser = sub.add_parser(
        command.name, help=command.summary, description=command.description, formatter_class=Formatter
    )
    parser.add_argument(
        "--defaults-file",
        metavar="PATH",
        help=f"the fork's defaults file (env: {defaults.ENV_OVERRIDE}; "
        f"default: {defaults.FILE_NAME} at the suite's root)",
    )
    for option in command.options:
        _add_option(parser, option)


def _add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    from gitops_ci.inputs import parse_bool

    where = "" if option.flag_only else f"env: {option.env_name}; "
    default = f"default: {option.default!r}" if option.default else "no default"
    secret = " Secret: give it through the environment, not on the command line." if option.secret else ""
    help_text = f"{option.help} ({where}{default}).{secret}".replace("%", "%%")
    flag = f"--{option.name}"
    if option.kind is parse_bool:
        parser.add_argument(flag, dest=option.dest, nargs="?", const="true", metavar="BOOL", help=help_text)
    elif option.multiple:
        parser.add_argument(flag, dest=option.dest, action="append", metavar=option.metavar, help=help_text)
    else:
        parser.add_argument(flag, dest=option.dest, metavar=option.metavar, help=help_text)


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    argv = sys.argv[1:] if argv is None else list(argv)
    only = load(argv[0]) if argv else None
    try:
        # --help, --version and usage errors print and exit inside argparse: keep them on our streams.
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            bare = only is None and argv[:1] == ["--version"]
            args = build_parser(only, bare=bare).parse_args(attach_dash_values(argv, only))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2  # argparse exits with 0 or 2
    if not args.command:
        build_parser().print_help(stdout)
        return 1
    return dispatch(COMMANDS[args.command], vars(args), environ, stdout, stderr)


def dispatch(
    command: Command, flags: Mapping[str, Any], environ: Mapping[str, str], stdout: IO[str], stderr: IO[str]
) -> int:
    """Run one command: 0 done, 1 a UserError (shown with its advice), 2 a bug (traceback)."""
    import json

    from gitops_ci.commands import catalog
    from gitops_ci.commands.base import Context
    from gitops_ci.commands.resolve import resolve_inputs
    from gitops_ci.context import RunContext
    from gitops_ci.doors.runner import Console

    console = Console(environ, stdout, stderr, json_mode=flags.get("json") not in (None, "false"))
    for name in (*SECRET_ENV, *(f"INPUT_{n.replace('-', '_').upper()}" for n in sorted(catalog.SECRETS))):
        if environ.get(name):
            console.mask(environ[name])
    try:
        values = resolve_inputs(command, flags, environ, console)
        ctx = Context(console=console, run=RunContext.from_environ(environ), cwd=os.getcwd())
        code = command.handler(ctx, values)
    except UserError as exc:
        message = console.redact(str(exc))
        console.error(message)
        if console.json_mode:
            print(json.dumps({"ok": False, "error": message}), file=stdout)
        code = 1
    except Exception:  # noqa: BLE001 - anything else is a bug: show it whole (redacted)
        import traceback  # only a bug needs it

        print(console.redact(traceback.format_exc()), file=stderr)
        print("This is a bug in gitops-ci; please report it with the traceback above.", file=stderr)
        return 2
    if code != 0 and console.first_error:
        # The chain (action.yml) reports the first failure's message from this output.
        console.set_outputs({"error": console.first_error})
    return code


def attach_dash_values(argv: Sequence[str], command: Command | None) -> list[str]:
    """`--tag -x` as `--tag=-x`: argparse reads a value that starts with `-` as an unknown flag
    and stops with a usage error; joined, the value reaches its own grammar and its message."""
    if command is None:
        return list(argv)
    from gitops_ci.inputs import parse_bool

    flags = {"--defaults-file", "-h", "--help"} | {f"--{o.name}" for o in command.options}
    takes_value = {f"--{o.name}" for o in command.options if o.kind is not parse_bool} | {"--defaults-file"}
    out: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        following = argv[index + 1] if index + 1 < len(argv) else None
        if arg in takes_value and following and following.startswith("-") and following not in flags:
            out.append(f"{arg}={following}")
            index += 2
            continue
        out.append(arg)
        index += 1
    return out


def entry() -> None:
    """The console script. By the time `main` returns every file the run wrote is closed and
    every child reaped (the doors use `with` throughout), so after flushing the two streams the
    process leaves without the interpreter's teardown: 15-18 ms of freeing modules and objects
    that a user would wait for at the end of every run."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`| head`): nothing more can be said on it
        code = code or 1
    os._exit(code)
