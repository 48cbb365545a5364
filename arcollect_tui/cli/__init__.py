"""The command-line interface: a thin front end over the services (CONTRACT.md).

Each command lives in its own module `cmd_*.py` with `register(subparsers)` and
`run(ctx, args) -> int`.  Errors become exit codes here, in one place:
InputError 2, PolicyRefusal 3, DataCheckFailed 4, anything else 1 (traceback only with --debug).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path
from typing import Sequence

from arcollect_tui import __version__
from arcollect_tui.errors import ArcollectError, InputError

from arcollect_tui.cli.common import Context

# Every command, by the module that registers it (in the order `--help` lists them).  A command
# line that names one imports only that module: each module pulls in its services, and importing
# all of them would cost every command about a third of its start-up time.
COMMAND_MODULES: dict[str, str] = {
    "demo": "cmd_demo", "import": "cmd_import", "queue": "cmd_queue", "account": "cmd_account",
    "log": "cmd_actions", "warn": "cmd_actions", "suspend": "cmd_actions", "reinstate": "cmd_actions",
    "refer": "cmd_actions", "promise": "cmd_promise", "plan": "cmd_plan", "dispute": "cmd_dispute",
    "escalate": "cmd_escalate", "distress": "cmd_escalate", "report": "cmd_report", "export": "cmd_export",
    "policy": "cmd_policy", "backup": "cmd_backup", "restore": "cmd_restore", "audit": "cmd_audit",
    "mail": "cmd_mail",
}
_GLOBAL_WITH_VALUE = ("--db", "--today", "--config")


def _modules(names: Sequence[str]) -> list:
    seen: dict[str, object] = {}
    for name in names:
        if name not in seen:
            seen[name] = importlib.import_module(f"arcollect_tui.cli.{name}")
    return list(seen.values())


def command_of(argv: Sequence[str]) -> str | None:
    """The command word of a command line (the first word that is not a global option)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _GLOBAL_WITH_VALUE:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors follow the CONTRACT (exit 2, what was wrong and what to do).

    A command with actions (`plan approve ID`) may also take an account key in their place
    (`plan KEY ...`): it sets `default_action = (name, {actions})`, and any first word that is not
    one of its actions (nor -h/--help) is read as the default action's first argument.
    """

    default_action: tuple[str, frozenset[str]] | None = None

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if self.default_action is not None and args is not None:
            name, actions = self.default_action
            args = list(args)
            if not args or (args[0] not in actions and args[0] not in ("-h", "--help")):
                args.insert(0, name)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"arcollect: error: {message}\nTry 'arcollect --help' or '{self.prog} --help'.\n")
        sys.exit(2)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv` naming a command, only that command's module is registered."""
    parser = _Parser(
        prog="arcollect",
        description="A keyboard-first worklist for accounts-receivable collectors. "
        "With no command (or 'tui') it opens the app; every other command is headless.",
    )
    parser.add_argument("--db", type=Path, help="the SQLite database file (default: $ARCOLLECT_DB, "
                        "else arcollect.db in the user's data folder)")
    parser.add_argument("--today", metavar="YYYY-MM-DD",
                        help="compute everything as of this date (default: $ARCOLLECT_TODAY, else today)")
    parser.add_argument("--config", type=Path, help="settings and policy, TOML (default: $ARCOLLECT_CONFIG, "
                        "else config.toml in the user's config folder)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    parser.add_argument("--version", action="version", version=f"arcollect {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    tui = sub.add_parser("tui", help="open the app (the default)")
    tui.set_defaults(run=_run_tui)
    command = command_of(argv) if argv is not None else None
    names = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else list(COMMAND_MODULES.values())
    for module in _modules(names):
        module.register(sub)
    return parser


def _run_tui(ctx: Context, args: argparse.Namespace) -> int:
    from arcollect_tui.app import run_app

    return run_app(ctx)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    ctx = Context(db_option=args.db, today_option=args.today, config_option=args.config, debug=args.debug)
    run = getattr(args, "run", _run_tui)
    try:
        ctx.today, ctx.config  # bad global options are exit 2 whatever the command
        return run(ctx, args)
    except ArcollectError as exc:
        if isinstance(exc, InputError):
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"arcollect: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("arcollect: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected error: one line, a traceback only with --debug
        if args.debug:
            traceback.print_exc()
        else:
            print(f"arcollect: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)",
                  file=sys.stderr)
        return 1
    finally:
        ctx.close()
