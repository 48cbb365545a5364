"""The command-line interface: a thin front end over the services (CONTRACT.md).

Each command lives in its own module `cmd_*.py` with `register(subparsers)` and
`run(ctx, args) -> int`.  Errors become exit codes here, in one place:
InputError 2, PolicyRefusal 3, DataCheckFailed 4, anything else 1 (traceback only with --debug).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Sequence

from arcollect_tui import __version__
from arcollect_tui.errors import ArcollectError, InputError

from arcollect_tui.cli import (
    cmd_account, cmd_actions, cmd_audit, cmd_backup, cmd_demo, cmd_dispute, cmd_escalate, cmd_export, cmd_import, cmd_mail, cmd_plan,
    cmd_policy, cmd_promise, cmd_queue, cmd_report, cmd_restore,
)
from arcollect_tui.cli.common import Context

COMMANDS = [cmd_demo, cmd_import, cmd_queue, cmd_account, cmd_actions, cmd_promise, cmd_plan, cmd_dispute,
            cmd_escalate, cmd_report, cmd_export, cmd_policy, cmd_backup, cmd_restore, cmd_audit, cmd_mail]


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


def build_parser() -> argparse.ArgumentParser:
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
    for module in COMMANDS:
        module.register(sub)
    return parser


def _run_tui(ctx: Context, args: argparse.Namespace) -> int:
    from arcollect_tui.app import run_app

    return run_app(ctx)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
