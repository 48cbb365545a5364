"""The outbox: letters and emails written as RFC 5322 files, queued for `arcollect mail send`.

Each queued message is a file `<data_dir>/outbox/<message-id>.eml` (folder 0700, file 0600,
written to a temporary name and renamed, so a reader never sees half a message) plus an
`outbox_message` row with status `queued`.  `data_dir` is the database file's folder, and the
row's `path` is relative to it (`outbox/<message-id>.eml`) so that the database and its outbox
can move together.  The file is written first and the row second; if the row cannot be written
the file is removed, and callers that do more work in the same transaction remove it too when
that work fails (see `services/actions.py`), so a rolled-back transaction leaves no file behind.

Headers are built with the stdlib `email` package from cleaned text (`text.clean` turns
newlines into spaces) and `email.headerregistry.Address`, so a name or subject holding a line
break cannot add a header.  Sending (SMTP, the keyring, retries) is services/mailer.py's; composing from
a template is arcollect_tui/templates.py's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import sqlite3
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from arcollect_tui import audit
from arcollect_tui.errors import InputError
from arcollect_tui.text import clean

PLACEHOLDER_SENDER = "arcollect@localhost"
OUTBOX = "outbox"


def parse_address(addr: str | None, name: str | None = None) -> Address | None:
    """`addr` as one mailbox (with `name` as its display name), or None when it is not one.

    Only a single plain address is accepted (`ap@example.com`): lists, angle brackets, spaces
    and line breaks are refused, so nothing a customer typed can reach the header as syntax.
    """
    spec = (addr or "").strip()
    if not spec or spec != clean(spec) or spec.count("@") != 1:
        return None
    try:
        parsed = Address(display_name=clean(name).strip(), addr_spec=spec)
    except Exception:  # the email package raises several kinds for a bad addr-spec
        return None
    if not parsed.username or not parsed.domain:
        return None
    return parsed


def recipient(conn: sqlite3.Connection, account_id: int) -> tuple[str, str | None] | None:
    """(address, contact name) for a message to the account, or None when it has no usable address.

    The primary contact's email, else the first contact's (in the order they were added) with a
    usable one, else the account's own email (CONTRACT, Mail; the same rule as the warning letter's).
    """
    for name, email in conn.execute(
            "SELECT name, email FROM contact WHERE account_id = ? AND coalesce(email, '') <> ''"
            " ORDER BY is_primary DESC, id", (account_id,)):
        if parse_address(email, name) is not None:
            return email.strip(), name
    row = conn.execute("SELECT email FROM account WHERE id = ?", (account_id,)).fetchone()
    if row is not None and parse_address(row[0]) is not None:
        return row[0].strip(), None
    return None


def sender_address(sender: str | None) -> Address:
    """The From mailbox: `[mail] sender` (`ar@example.com` or `Name <ar@example.com>`), else a
    placeholder that `mail send` will refuse to use until the setting exists."""
    if not (sender or "").strip():
        return Address(addr_spec=PLACEHOLDER_SENDER)
    name, addr = parseaddr(clean(sender))
    parsed = parse_address(addr, name)
    if parsed is None:
        raise InputError(f"config: [mail] sender: {sender!r}: expected an email address such as ar@example.com")
    return parsed


def _msgid_domain(sender: Address) -> str:
    domain = re.sub(r"[^A-Za-z0-9.-]", "", sender.domain).strip(".-")
    return domain or "localhost"


def build_message(*, sender: Address, to: Address, subject: str, body: str, message_id: str,
                  date: dt.datetime) -> EmailMessage:
    """One plain-text message.  Every header value is cleaned or an `Address` (no line breaks)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = clean(subject).strip() or "(no subject)"
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg.set_content(clean(body, keep_newlines=True))
    return msg


def _stamp_datetime(stamp: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def outbox_dir(data_dir: Path) -> Path:
    """`<data_dir>/outbox`, created 0700 (and put back to 0700 if someone widened it)."""
    folder = Path(data_dir) / OUTBOX
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file (0600) in the same folder, flush it, rename it to `path`."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def message_file(data_dir: Path, row_path: str) -> Path:
    """The file of an outbox row (its `path` is relative to the database's folder)."""
    return Path(data_dir) / row_path


def queue_message(conn: sqlite3.Connection, *, account_id: int | None, template: str | None, to_addr: str,
                  subject: str, body: str, data_dir: Path, created_at: str, to_name: str | None = None,
                  sender: str | None = None, user: str = "arcollect") -> int | None:
    """Write the message file and its `outbox_message` row (status `queued`, with an audit row).

    Returns the row id, or None when `to_addr` is not a usable single address (nothing is
    written then; the caller says so).  Call inside the caller's write transaction.
    """
    to = parse_address(to_addr, to_name)
    if to is None:
        return None
    from_ = sender_address(sender)
    message_id = make_msgid(domain=_msgid_domain(from_))
    msg = build_message(sender=from_, to=to, subject=subject, body=body, message_id=message_id,
                        date=_stamp_datetime(created_at))
    name = message_id.strip("<>") + ".eml"
    path = outbox_dir(Path(data_dir)) / name
    _write_atomically(path, msg.as_bytes())
    try:
        rel = f"{OUTBOX}/{name}"
        cur = conn.execute(
            "INSERT INTO outbox_message (account_id, template, to_addr, subject, path, message_id, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)",
            (account_id, template, to.addr_spec, str(msg["Subject"]), rel, message_id, created_at),
        )
        row_id = cur.lastrowid
        audit.record(conn, user=user, action="queue", entity="outbox_message", entity_id=row_id,
                     account_id=account_id, at=created_at,
                     after={"template": template, "to": to.addr_spec, "subject": str(msg["Subject"]),
                            "path": rel, "message_id": message_id, "status": "queued"})
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return row_id
