"""`arcollect mail`: the outbox, sending over SMTP, the password in the OS keyring, templates.

    mail outbox [--format table|json]     id, account, to, subject, created, status, last error
    mail send [ID...]                     exit 0 when all went; else 1, one line per failure (stderr)
    mail login [--allow-file-keyring]     store the SMTP password (no echo on a terminal, else stdin)
    mail logout                           remove it
    mail show ID [--raw]                  the message as it will be sent
    mail delete ID                        a queued, failed or draft message: its file and its row
    mail retry ID                         failed or outcome unknown -> queued (after checking)
    mail mark-sent ID                     outcome unknown -> sent (it did arrive)
    mail queue KEY --template NAME [--preview]   compose from a template into the outbox
    mail templates [--format table|json]  the templates, where each comes from, their placeholders

A message is never sent twice (services/mailer.py says how).  Only `mail login` may read from the
terminal; every other command asks nothing.
"""

from __future__ import annotations

import argparse
import email
import getpass
import sys
from email import policy as email_policy

from arcollect_tui.cli.common import add_format, write_json, write_table
from arcollect_tui.errors import InputError
from arcollect_tui.text import clean


def _message_id(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or len(value) > 18:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a message id, a whole number (see 'mail outbox')")
    return int(value)


def register(sub) -> None:
    p = sub.add_parser(
        "mail", help="the outbox: list, show, send, delete messages; the SMTP password; templates",
        description="Messages wait in the outbox (RFC 5322 files next to the database) until 'mail send'. "
                    "SMTP settings are the config's [mail] table (host, port, security, username, sender); the "
                    "password lives only in the OS keyring (service 'arcollect', user = username).")
    actions = p.add_subparsers(dest="mail_action", metavar="ACTION", required=True)

    o = actions.add_parser("outbox", help="list the outbox",
                           description="List every outbox message, oldest first: id, account, to, subject, created "
                                       "(UTC), status (queued, sending, sent, failed, draft) and the last error.")
    add_format(o, ["table", "json"], "table")
    o.set_defaults(run=run_outbox)

    s = actions.add_parser(
        "send", help="send the given messages, or every queued and failed one",
        description="Send over SMTP. Exit 0 when every message went; otherwise exit 1 with one line per failure on "
                    "stderr, and each failed message stays in the outbox with its error. A message is never sent "
                    "twice: one already sent is skipped, and one whose outcome is unknown (the connection or the "
                    "program stopped while it was being sent) is left for you to check, then 'mail retry ID' or "
                    "'mail mark-sent ID'.")
    s.add_argument("ids", nargs="*", type=_message_id, metavar="ID", help="message ids (default: all unsent)")
    s.set_defaults(run=run_send)

    li = actions.add_parser(
        "login", help="store the SMTP password in the OS keyring",
        description="Read the password of [mail] username without echo from the terminal, or as one line from "
                    "standard input when it is not a terminal, and store it in the OS keyring (service "
                    "'arcollect'). Refuses backends that would lose it or keep it in plain text.")
    li.add_argument("--allow-file-keyring", action="store_true",
                    help="accept keyrings.alt's plain-text file backend (the password then sits in a file)")
    li.set_defaults(run=run_login)

    lo = actions.add_parser("logout", help="remove the SMTP password from the OS keyring")
    lo.set_defaults(run=run_logout)

    sh = actions.add_parser("show", help="show one message as it will be sent",
                            description="Print the message's headers and text; --raw prints the file byte for byte.")
    sh.add_argument("id", type=_message_id, metavar="ID")
    sh.add_argument("--raw", action="store_true", help="the RFC 5322 file exactly as it will be sent")
    sh.set_defaults(run=run_show)

    d = actions.add_parser("delete", help="delete a queued, failed or draft message (its file and its row)")
    d.add_argument("id", type=_message_id, metavar="ID")
    d.set_defaults(run=run_delete)

    r = actions.add_parser("retry", help="put a failed message, or one whose outcome is unknown, back in the queue",
                           description="For a message whose outcome is unknown: check first that it did not "
                                       "arrive, or it will be delivered twice.")
    r.add_argument("id", type=_message_id, metavar="ID")
    r.set_defaults(run=run_retry)

    m = actions.add_parser("mark-sent", help="record that a message whose outcome was unknown did arrive")
    m.add_argument("id", type=_message_id, metavar="ID")
    m.set_defaults(run=run_mark_sent)

    q = actions.add_parser(
        "queue", help="compose a message from a template for an account and put it in the outbox",
        description="Render template NAME for account KEY as of --today and queue it to the account's primary "
                    "contact (else its first contact with an email, else the account's own email); logs an email "
                    "activity. An account with no email address gets no message (exit 2, nothing written).")
    q.add_argument("key", metavar="KEY", help="the account key, as imported")
    q.add_argument("--template", required=True, metavar="NAME", help="see 'mail templates'")
    q.add_argument("--preview", action="store_true", help="print the message instead of queueing it")
    q.set_defaults(run=run_queue)

    t = actions.add_parser("templates", help="list the templates and check the overrides",
                           description="Each template, the file it comes from (a shipped default, or "
                                       "<config folder>/templates/NAME.txt), its subject and placeholders.")
    add_format(t, ["table", "json"], "table")
    t.set_defaults(run=run_templates)


# ------------------------------------------------------------------------------------ outbox

def run_outbox(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    rows = mailer.outbox(ctx.db)
    if args.format == "json":
        write_json([{"id": r.id, "account": r.account, "to": r.to, "subject": r.subject, "created": r.created,
                     "status": r.status, "last_error": r.last_error, "attempts": r.attempts, "sent_at": r.sent_at,
                     "template": r.template} for r in rows])
    else:
        write_table([(r.id, r.account or "", r.to, r.subject, r.created, r.status, r.last_error or "")
                     for r in rows], ["id", "account", "to", "subject", "created", "status", "last error"],
                    right=[0])
    return 0


# -------------------------------------------------------------------------------------- send

def run_send(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    cfg = ctx.config
    report = mailer.send(ctx.db, args.ids or None, settings=cfg.mail, password_lookup=mailer.keyring_password,
                         user=cfg.user_name)
    sent = 0
    for o in report.outcomes:
        who = f"#{o.id} to {clean(o.to)}"
        if o.result == "sent":
            sent += 1
            print(f"sent {who}: {clean(o.subject)}")
        elif o.result == "already_sent":
            print(f"{who} was already sent at {o.sent_at}: not sent again")
        elif o.result == "unknown":
            print(f"{who}: {clean(o.error)}", file=sys.stderr)
        else:
            print(f"{who}: not sent: {clean(o.error)}", file=sys.stderr)
    if not report.outcomes:
        print("nothing to send: the outbox has no queued or failed message")
    elif report.ok:
        print(f"{sent} sent")
    return 0 if report.ok else 1


# ----------------------------------------------------------------------------- login, logout

def _read_password(username: str, host: str) -> str:
    """Without echo from a terminal; else one line from standard input (its line end removed)."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        try:
            return getpass.getpass(f"SMTP password for {clean(username)} at {clean(host) or 'the server'}: ")
        except EOFError:
            return ""
    line = stdin.readline() if stdin is not None else ""
    return line.rstrip("\r\n")


def run_login(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    mail = ctx.config.mail
    if not mail.username:
        raise InputError("config: [mail] username: not set: set the SMTP login name in the config file's [mail] "
                         "table first (a server that needs no login needs no password)")
    info = mailer.keyring_info()
    if not info.can_store and not (info.kind == "plaintext" and args.allow_file_keyring):
        raise mailer.KeyringProblem(f"the password was not stored: {info.problem}")
    password = _read_password(mail.username, mail.host)
    info = mailer.store_password(mail.username, password, allow_file_keyring=args.allow_file_keyring)
    where = "; note: this backend keeps it unencrypted in a file" if info.kind == "plaintext" else ""
    print(f"stored the SMTP password for {clean(mail.username)} in the keyring ({info.backend}){where}")
    return 0


def run_logout(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    username = ctx.config.mail.username
    if mailer.delete_password(username):
        print(f"removed the SMTP password for {clean(username)} from the keyring")
    else:
        print(f"no SMTP password was stored for {clean(username)}: nothing to remove")
    return 0


# ------------------------------------------------------------------- show, delete, retry, ...

def run_show(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    row = mailer.get(ctx.db, args.id)
    data = mailer.message_bytes(ctx.db, row)
    if args.raw:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    msg = email.message_from_bytes(data, policy=email_policy.default)
    state = f"#{row.id} {row.status}, created {row.created}, attempts {row.attempts}"
    if row.sent_at:
        state += f", sent {row.sent_at}"
    lines = [state]
    if row.last_error:
        lines.append(f"last error: {row.last_error}")
    lines.append("")
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        if msg[name] is not None:
            lines.append(f"{name}: {msg[name]}")
    part = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
    body = part.get_content() if part is not None else ""
    print("\n".join(clean(line) for line in lines))
    print()
    sys.stdout.write(clean(body, keep_newlines=True).rstrip("\n") + "\n")
    return 0


def run_delete(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    row = mailer.delete(ctx.db, args.id, user=ctx.config.user_name)
    print(f"deleted #{row.id} to {clean(row.to)} ({row.status}): {clean(row.subject)}")
    return 0


def run_retry(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    row = mailer.retry(ctx.db, args.id, user=ctx.config.user_name)
    print(f"#{row.id} to {clean(row.to)} is queued again: 'arcollect mail send {row.id}' sends it")
    return 0


def run_mark_sent(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui.services import mailer

    row = mailer.mark_sent(ctx.db, args.id, user=ctx.config.user_name)
    print(f"#{row.id} to {clean(row.to)} recorded as sent at {row.sent_at}")
    return 0


# ----------------------------------------------------------------------------- queue, templates

def run_queue(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui import templates
    from arcollect_tui.services import mailer

    cfg = ctx.config
    if args.preview:
        letter = templates.compose(ctx.db, args.key, args.template, today=ctx.today, config=cfg)
        to = clean(letter.to_addr) if letter.to_addr else "(no email address: it could not be queued)"
        print(f"To: {to}\nSubject: {clean(letter.subject)}\n")
        sys.stdout.write(clean(letter.body, keep_newlines=True))
        return 0
    q = mailer.queue_letter(ctx.db, args.key, args.template, today=ctx.today, config=cfg, user=cfg.user_name)
    print(f"queued #{q.outbox_id} to {clean(q.to)}: {clean(q.subject)}")
    return 0


def run_templates(ctx, args: argparse.Namespace) -> int:
    from arcollect_tui import templates

    folder = templates.template_dir(ctx.config)
    loaded = templates.load_all(folder)
    if args.format == "json":
        write_json([{"name": t.name, "source": t.source, "subject": t.subject,
                     "placeholders": sorted(templates.allowed(t.name))} for t in loaded])
    else:
        write_table([(t.name, t.source, t.subject) for t in loaded], ["name", "source", "subject"])
        print(f"\noverrides: {folder}/NAME.txt; placeholders: every template has "
              + ", ".join(f"${k}" for k in templates.COMMON))
        for name, extra in templates.SPECIFIC.items():
            print(f"  {name} also: " + ", ".join(f"${k}" for k in extra))
    return 0
