"""`arcollect policy [--format text|json]`: the collection policy in force, and where it comes from."""

from __future__ import annotations

import argparse
import dataclasses

from arcollect_tui.cli.common import add_format, write_json, write_table
from arcollect_tui.timeline import STAGE_COLORS, STAGE_LABELS, STAGES

_MEANING = {
    "reminder_from_dpd": "reminder stage from this many days past due",
    "follow_up_from_dpd": "follow-up stage (call, second reminder) from",
    "warning_from_dpd": "a suspension warning may be sent from",
    "warning_notice_days": "suspension possible this many days after an approved warning",
    "warning_valid_days": "a warning stays valid this many days after it was sent",
    "referral_from_dpd": "a suspended account may be referred to write-off from",
    "promise_tolerance_days": "a promise is kept when paid within this many days of its date",
    "plan_grace_days": "an instalment is missed this many days after its date",
    "follow_up_days": "the call form proposes a follow-up this many days after the call (promise: after its date)",
}


def register(sub) -> None:
    p = sub.add_parser("policy", help="show the collection policy in force (config [policy], else the defaults)")
    add_format(p, ["text", "json"], "text")
    p.set_defaults(run=run)


def run(ctx, args: argparse.Namespace) -> int:
    policy = ctx.config.policy
    source = str(ctx.config.source) if ctx.config.source else "built-in defaults"
    values = dataclasses.asdict(policy)
    if args.format == "json":
        write_json({"source": source, "policy": values,
                    "stages": [{"stage": s, "label": STAGE_LABELS[s], "color": STAGE_COLORS[s]} for s in STAGES]})
        return 0
    print(f"Collection policy ({source})")
    rows = []
    for k, v in values.items():
        if isinstance(v, dict):  # a nested table: [policy.follow_up_days]
            rows += [[f"{k}.{sub}", days, _MEANING.get(k, "")] for sub, days in v.items()]
        else:
            rows.append([k, v, _MEANING.get(k, "")])
    write_table(rows, ["setting", "value", "meaning"], right=[1])
    print()
    write_table([[s, STAGE_LABELS[s], STAGE_COLORS[s]] for s in STAGES], ["stage", "label", "colour"])
    return 0
