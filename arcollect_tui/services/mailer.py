"""Sending the outbox over SMTP, each message at most once; the SMTP password in the OS keyring.

The outbox (services/outbox.py) holds one RFC 5322 file per message and one `outbox_message`
row.  This module lists it, sends it, and manages the password.  Core: no Textual, no Rich.

**Never twice.**  A message moves `queued`/`failed` -> `sending` in its own transaction (with
an audit row) before a single byte about it goes to the server; only the process whose UPDATE
moved it may send it, so two `mail send` running at once cannot both send it.  Then:

* the server answers 250 to the end of the data: `sent`, with `sent_at` (audit row);
* the server refuses it, or the connection fails *before* the end of the data was handed
  over: nothing was accepted, so `failed` with `last_error`, attempts + 1 (audit row); a later
  `mail send` tries it again;
* the connection fails *after* the end of the data was handed over but before the reply (a
  timeout, a reset), or the program stops while the row is `sending` (a crash, Ctrl-C, power
  loss): the server may well have accepted it.  The row stays `sending` and its `last_error`
  says "outcome unknown".  Nothing sends it again by itself: the collector checks the recipient's
  mailbox (or the server's log) and then runs `mail retry ID` (it did not arrive: back to
  `queued`) or `mail mark-sent ID` (it did).  A duplicate dunning letter is worse than a late one.

The message file is sent as it is, byte for byte (CRLF line ends, dot-stuffed on the wire only),
so what arrives is exactly what was queued.  One exception: a message queued before `[mail]
sender` was set carries the placeholder From `arcollect@localhost`; `send` puts the configured
sender in that one header (rewriting the file, audited) before sending it.

**The password** is looked up through a `password_lookup(username)` callable (the CLI passes
`keyring_password`), never stored in the database, the config, the outbox files, the audit rows
or an error text (`_scrub` removes it from server replies too).  `keyring_info()` names the
backend `keyring.get_keyring()` chose and what is wrong with it: none at all (`NoKeyringError`,
a headless machine), the null backend (drops passwords), or keyrings.alt's file backends
(plain text, or a master password prompt that a headless command cannot answer).
"""

from __future__ import annotations

import base64
import datetime as dt
import smtplib
import socket
import ssl
import sqlite3
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Callable, Iterable, Sequence

from peewee import SqliteDatabase

from arcollect_tui import audit
from arcollect_tui.clock import now_stamp
from arcollect_tui.config import Config, MailSettings
from arcollect_tui.errors import ArcollectError, InputError
from arcollect_tui.services import outbox as outbox_files
from arcollect_tui.text import clean

KEYRING_SERVICE = "arcollect"
SENDABLE = ("queued", "failed")
DELETABLE = ("queued", "failed", "draft")
TIMEOUT = 30.0  # seconds for connecting and for each server reply

# Tests replace this to trust a self-signed certificate; the program uses the system's CAs.
ssl_context: Callable[[], ssl.SSLContext] = ssl.create_default_context


class KeyringProblem(ArcollectError):
    """The keyring cannot give or keep the password; the message says what to do.  Exit 1."""


# ------------------------------------------------------------------------------------ listing

@dataclass(frozen=True)
class OutboxRow:
    id: int
    account: str | None          # the account key, as imported (None: the account was removed)
    to: str
    subject: str
    created: str                 # UTC stamp YYYY-MM-DDTHH:MM:SSZ
    status: str                  # draft, queued, sending, sent, failed
    attempts: int
    last_error: str | None
    sent_at: str | None
    template: str | None
    path: str                    # relative to the database's folder


_ROW_SQL = ("SELECT m.id, a.key, m.to_addr, m.subject, m.created_at, m.status, m.attempts, m.last_error,"
            " m.sent_at, m.template, m.path FROM outbox_message m LEFT JOIN account a ON a.id = m.account_id")


def outbox(db: SqliteDatabase, *, status: str | None = None) -> list[OutboxRow]:
    """Every outbox message, oldest first (only those with `status` when given)."""
    sql, params = _ROW_SQL, ()
    if status is not None:
        sql, params = sql + " WHERE m.status = ?", (status,)
    return [OutboxRow(*r) for r in db.connection().execute(sql + " ORDER BY m.id", params)]


def get(db: SqliteDatabase, message_id: int) -> OutboxRow:
    row = db.connection().execute(_ROW_SQL + " WHERE m.id = ?", (message_id,)).fetchone()
    if row is None:
        raise InputError(f"ID: {message_id}: no outbox message has this id: see `arcollect mail outbox`")
    return OutboxRow(*row)


def data_dir(db: SqliteDatabase) -> Path:
    """The database's folder: outbox paths are relative to it."""
    return Path(db.database).resolve().parent


def message_bytes(db: SqliteDatabase, row: OutboxRow, folder: Path | None = None) -> bytes:
    path = outbox_files.message_file(folder or data_dir(db), row.path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: message {row.id}: cannot read its file ({exc.strerror}): "
                         "it was moved or deleted outside arcollect") from None


# ------------------------------------------------------------------------------------ sending

@dataclass(frozen=True)
class SendOutcome:
    id: int
    to: str
    subject: str
    result: str                  # sent, failed, unknown, already_sent
    error: str | None = None
    sent_at: str | None = None


@dataclass(frozen=True)
class SendReport:
    outcomes: tuple[SendOutcome, ...]

    @property
    def failures(self) -> tuple[SendOutcome, ...]:
        return tuple(o for o in self.outcomes if o.result in ("failed", "unknown"))

    @property
    def ok(self) -> bool:
        return not self.failures


class _Unknown(Exception):
    """The end of the data went to the server, and then the connection failed."""


def unknown_text(message_id: int, since: str) -> str:
    return (f"outcome unknown: sending began at {since} and no reply was recorded, so it may have been "
            f"delivered; check the recipient's mailbox, then run `arcollect mail retry {message_id}` to send "
            f"it again or `arcollect mail mark-sent {message_id}` if it arrived")


def send(db: SqliteDatabase, ids: Sequence[int] | None, *, settings: MailSettings,
         password_lookup: Callable[[str], str | None], user: str, now: Callable[[], str] = now_stamp,
         folder: Path | None = None, timeout: float = TIMEOUT) -> SendReport:
    """Send the given messages (`ids`), or every queued and failed one (`None`), never one twice.

    Unknown ids and drafts are bad input (InputError, nothing done).  A message already sent is
    reported `already_sent` and not sent again; one left `sending` is reported `unknown` (see the
    module doc).  Configuration or keyring problems fail every message with the same error.
    """
    folder = folder or data_dir(db)
    conn = db.connection()
    targets, outcomes = _select(conn, ids)
    if not targets:
        return SendReport(tuple(outcomes))
    problem = _config_problem(settings)
    password: str | None = None
    if problem is None and settings.username:
        try:
            password = password_lookup(settings.username)
        except KeyringProblem as exc:
            problem = str(exc)
        else:
            if not password:
                problem = (f"no password for {clean(settings.username)!r} in the keyring (service "
                           f"{KEYRING_SERVICE!r}): run `arcollect mail login` first")
    if problem is not None:
        outcomes += _fail_all(db, targets, problem, user, now)
        return SendReport(tuple(sorted(outcomes, key=lambda o: o.id)))
    sender = outbox_files.sender_address(settings.sender)
    session = _Session(settings, password, timeout)
    try:
        for row in targets:
            outcomes.append(_send_one(db, row, session, sender, user, now, folder, password))
    finally:
        session.close()
    return SendReport(tuple(sorted(outcomes, key=lambda o: o.id)))


def _select(conn: sqlite3.Connection, ids: Sequence[int] | None) -> tuple[list[OutboxRow], list[SendOutcome]]:
    if ids is None:
        rows = [OutboxRow(*r) for r in conn.execute(
            _ROW_SQL + " WHERE m.status IN ('queued', 'failed', 'sending') ORDER BY m.id")]
    else:
        wanted = list(dict.fromkeys(ids))
        found = {r[0]: OutboxRow(*r) for r in conn.execute(
            _ROW_SQL + f" WHERE m.id IN ({', '.join('?' * len(wanted))})", wanted)} if wanted else {}
        problems = [f"ID: {i}: no outbox message has this id: see `arcollect mail outbox`"
                    for i in wanted if i not in found]
        problems += [f"ID: {i}: message {i} is a draft: queue it before sending it"
                     for i in wanted if i in found and found[i].status == "draft"]
        if problems:
            raise InputError(problems)
        rows = [found[i] for i in wanted]
    targets: list[OutboxRow] = []
    outcomes: list[SendOutcome] = []
    for row in rows:
        if row.status == "sent":
            outcomes.append(SendOutcome(row.id, row.to, row.subject, "already_sent", sent_at=row.sent_at))
        elif row.status == "sending":
            outcomes.append(SendOutcome(row.id, row.to, row.subject, "unknown",
                                        row.last_error or unknown_text(row.id, "an unknown time")))
        else:
            targets.append(row)
    return targets, outcomes


def _config_problem(settings: MailSettings) -> str | None:
    if not settings.host.strip():
        return "[mail] host is not set: set host, port and security in the config file's [mail] table"
    if not settings.sender.strip():
        return "[mail] sender is not set: set it to the From address, such as \"AR Team <ar@example.com>\""
    try:
        outbox_files.sender_address(settings.sender)
    except InputError as exc:
        return str(exc)
    if not 0 < settings.port < 65536:
        return f"[mail] port: {settings.port}: expected a TCP port (587 for starttls, 465 for tls, 25 for none)"
    return None


def _scrub(text: str, password: str | None) -> str:
    text = clean(text)
    if password:
        text = text.replace(password, "***")
    return text


def _describe(exc: BaseException, password: str | None = None) -> str:
    """One line for the user: the server's code and words, or what went wrong on the network."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{addr}: {code} {_decode(msg)}" for addr, (code, msg) in exc.recipients.items()]
        text = "the server refused the recipient: " + "; ".join(parts)
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        text = (f"the server refused the login: {exc.smtp_code} {_decode(exc.smtp_error)}: check [mail] "
                "username, then store the right password with `arcollect mail login`")
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"the server said {exc.smtp_code} {_decode(exc.smtp_error)}"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        text = f"the server does not support it: {exc}"
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS failed: {exc.reason or exc}"
    elif isinstance(exc, socket.timeout):
        text = "the server did not answer in time"
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return _scrub(text, password)


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class _Session:
    """One SMTP connection, opened (and logged in) on first use, reopened after a network failure."""

    def __init__(self, settings: MailSettings, password: str | None, timeout: float):
        self.settings, self.password, self.timeout = settings, password, timeout
        self.smtp: smtplib.SMTP | None = None
        self.failure: BaseException | None = None  # connecting failed: not tried again in this run

    @property
    def where(self) -> str:
        return f"{clean(self.settings.host)}:{self.settings.port} ({self.settings.security})"

    def open(self) -> smtplib.SMTP:
        """The connection, or an exception whose text says what failed (connect, TLS, login)."""
        if self.smtp is not None:
            return self.smtp
        if self.failure is not None:
            raise self.failure
        s = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=ssl_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "no STARTTLS offered: use security = \"tls\" (usually port 465) or a server that offers it")
                smtp.starttls(context=ssl_context())
                smtp.ehlo()
            if s.username:
                _login(smtp, s.username, self.password or "")
        except Exception as exc:
            if smtp is not None:
                _close(smtp)
            self.failure = exc
            raise
        self.smtp = smtp
        return smtp

    def drop(self) -> None:
        if self.smtp is not None:
            _close(self.smtp)
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:
                pass
            self.drop()


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """smtplib's login, except that a non-ASCII user or password goes as UTF-8 (RFC 4616), which
    smtplib cannot do (it encodes the credentials as ASCII)."""
    if (username + password).isascii():
        smtp.login(username, password)
        return

    def b64(value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")

    mechanisms = (smtp.esmtp_features.get("auth") or "").upper().split()
    if "PLAIN" in mechanisms:
        code, resp = smtp.docmd("AUTH", "PLAIN " + b64(b"\0" + username.encode() + b"\0" + password.encode()))
    elif "LOGIN" in mechanisms:
        code, resp = smtp.docmd("AUTH", "LOGIN " + b64(username.encode()))
        if code == 334:
            code, resp = smtp.docmd(b64(password.encode()))
    else:
        raise smtplib.SMTPNotSupportedError("the password is not plain ASCII and the server offers neither "
                                            "AUTH PLAIN nor AUTH LOGIN, which could carry it")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, resp)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except Exception:
        pass


def _transmit(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """MAIL, RCPT, DATA by hand, so that a failure before and after the end of the data differ.

    Raises an SMTP or socket error when nothing was accepted, `_Unknown` when the connection
    failed after the end of the data went out (the server may have accepted the message).
    """
    head = data.partition(b"\r\n\r\n")[0]
    options = []
    if not (head.isascii() and sender.isascii() and recipient.isascii()) and smtp.has_extn("smtputf8"):
        options.append("SMTPUTF8")
    if not data.isascii() and smtp.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    code, resp = smtp.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    code, resp = smtp.rcpt(recipient)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, resp)})
    smtp.putcmd("data")
    code, resp = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, resp)
    wire = _dot_stuff(data)
    smtp.send(wire)
    try:
        code, resp = smtp.getreply()
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise _Unknown(_describe(exc)) from exc
    if code != 250:
        raise smtplib.SMTPDataError(code, resp)


def _dot_stuff(data: bytes) -> bytes:
    """RFC 5321 4.5.2: a line starting with '.' gets another; then the CRLF.CRLF terminator."""
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _send_one(db: SqliteDatabase, row: OutboxRow, session: _Session, sender: Address, user: str,
              now: Callable[[], str], folder: Path, password: str | None) -> SendOutcome:
    path = outbox_files.message_file(folder, row.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _record_failure(db, row, f"cannot read the message file {row.path} ({exc.strerror}): "
                                        "it was moved or deleted outside arcollect; delete the message "
                                        "and queue it again", user, now)
    try:
        smtp = session.open()
    except Exception as exc:
        session.drop()
        return _record_failure(db, row, f"cannot send through {session.where}: {_describe(exc, password)}",
                               user, now)
    stamp = now()
    data = _claim(db, row, data, path, sender, user, stamp)
    if data is None:  # another `mail send` took it, or it changed meanwhile
        current = get(db, row.id)
        result = "already_sent" if current.status == "sent" else "unknown"
        error = None if result == "already_sent" else (
            current.last_error or f"another `arcollect mail send` took it first (status {current.status})")
        return SendOutcome(row.id, row.to, row.subject, result, error, current.sent_at)
    try:
        _transmit(smtp, sender.addr_spec, row.to, data)
    except _Unknown as exc:
        session.drop()
        text = _scrub(f"the connection failed after the message was handed over ({exc}); "
                      + unknown_text(row.id, stamp), password)
        _record(db, row, "mail_unknown", user, now(), status="sending", error=text)
        return SendOutcome(row.id, row.to, row.subject, "unknown", text)
    except Exception as exc:
        text = _describe(exc, password)
        if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
            session.drop()
        else:
            try:
                smtp.rset()
            except Exception:
                session.drop()
        return _record_failure(db, row, text, user, now, claimed=True)
    sent_at = now()
    _record(db, row, "mail_sent", user, sent_at, status="sent", sent_at=sent_at)
    return SendOutcome(row.id, row.to, row.subject, "sent", None, sent_at)


def _claim(db: SqliteDatabase, row: OutboxRow, data: bytes, path: Path, sender: Address, user: str,
           stamp: str) -> bytes | None:
    """queued/failed -> sending, in its own transaction; None when this process did not get it."""
    conn = db.connection()
    with db.atomic():
        cur = conn.execute(
            "UPDATE outbox_message SET status = 'sending', last_error = ? WHERE id = ? AND status IN ('queued', 'failed')",
            (unknown_text(row.id, stamp), row.id))
        if cur.rowcount != 1:
            return None
        after: dict[str, object] = {"status": "sending", "to": row.to}
        fixed = _with_sender(data, sender)
        if fixed is not None:
            outbox_files._write_atomically(path, fixed)
            data = fixed
            after["from"] = sender.addr_spec
        audit.record(conn, user=user, action="mail_claim", entity="outbox_message", entity_id=row.id,
                     account_id=_account_id(conn, row.id), at=stamp,
                     before={"status": row.status, "attempts": row.attempts}, after=after)
    return data


def _with_sender(data: bytes, sender: Address) -> bytes | None:
    """The message with the configured From in place of the placeholder, or None when it has a real one."""
    head, sep, body = data.partition(b"\r\n\r\n")
    placeholder = f"From: {outbox_files.PLACEHOLDER_SENDER}".encode()
    lines = head.split(b"\r\n")
    if placeholder not in lines or sender.addr_spec == outbox_files.PLACEHOLDER_SENDER:
        return None
    m = EmailMessage(policy=SMTP_POLICY)
    m["From"] = sender
    new_line = m.as_bytes().split(b"\r\n\r\n", 1)[0]
    lines[lines.index(placeholder)] = new_line
    return b"\r\n".join(lines) + sep + body


def _account_id(conn: sqlite3.Connection, message_id: int) -> int | None:
    row = conn.execute("SELECT account_id FROM outbox_message WHERE id = ?", (message_id,)).fetchone()
    return row[0] if row else None


def _record(db: SqliteDatabase, row: OutboxRow, action: str, user: str, stamp: str, *, status: str,
            error: str | None = None, sent_at: str | None = None, from_status: Iterable[str] = ("sending",),
            attempt: bool = True) -> bool:
    """Move the message to `status` (only from `from_status`), with its audit row.  False when it had moved."""
    conn = db.connection()
    with db.atomic():
        found = conn.execute("SELECT status, attempts, account_id FROM outbox_message WHERE id = ?",
                             (row.id,)).fetchone()
        if found is None or found[0] not in tuple(from_status):
            return False
        conn.execute("UPDATE outbox_message SET status = ?, last_error = ?, sent_at = coalesce(?, sent_at),"
                     " attempts = attempts + ? WHERE id = ?", (status, error, sent_at, int(attempt), row.id))
        after: dict[str, object] = {"status": status, "to": row.to, "attempts": found[1] + int(attempt)}
        if error is not None:
            after["error"] = error
        if sent_at is not None:
            after["sent_at"] = sent_at
        audit.record(conn, user=user, action=action, entity="outbox_message", entity_id=row.id,
                     account_id=found[2], at=stamp, before={"status": found[0], "attempts": found[1]}, after=after)
    return True


def _record_failure(db: SqliteDatabase, row: OutboxRow, error: str, user: str, now: Callable[[], str],
                    claimed: bool = False) -> SendOutcome:
    moved = _record(db, row, "mail_failed", user, now(), status="failed", error=error,
                    from_status=("sending",) if claimed else SENDABLE)
    if not moved and not claimed:  # someone else is sending or sent it meanwhile
        current = get(db, row.id)
        if current.status == "sent":
            return SendOutcome(row.id, row.to, row.subject, "already_sent", sent_at=current.sent_at)
    return SendOutcome(row.id, row.to, row.subject, "failed", error)


def _fail_all(db: SqliteDatabase, rows: list[OutboxRow], error: str, user: str,
              now: Callable[[], str]) -> list[SendOutcome]:
    return [_record_failure(db, row, error, user, now) for row in rows]


# ------------------------------------------------------------------- retry, mark-sent, delete

def retry(db: SqliteDatabase, message_id: int, *, user: str, now: Callable[[], str] = now_stamp) -> OutboxRow:
    """`sending` (outcome unknown, checked: it did not arrive) or `failed` -> `queued`."""
    row = get(db, message_id)
    if row.status not in ("sending", "failed"):
        raise InputError(f"ID: {message_id}: message {message_id} is {row.status}: retry is for a failed message "
                         "or one whose outcome is unknown")
    if not _record(db, row, "mail_retry", user, now(), status="queued", from_status=(row.status,), attempt=False):
        raise InputError(f"ID: {message_id}: message {message_id} changed meanwhile: see `arcollect mail outbox`")
    return get(db, message_id)


def mark_sent(db: SqliteDatabase, message_id: int, *, user: str, now: Callable[[], str] = now_stamp) -> OutboxRow:
    """`sending` -> `sent`: the collector checked that a message whose outcome was unknown arrived."""
    row = get(db, message_id)
    if row.status != "sending":
        raise InputError(f"ID: {message_id}: message {message_id} is {row.status}: mark-sent is for a message "
                         "whose outcome is unknown (status sending)")
    stamp = now()
    if not _record(db, row, "mail_mark_sent", user, stamp, status="sent", sent_at=stamp, attempt=False):
        raise InputError(f"ID: {message_id}: message {message_id} changed meanwhile: see `arcollect mail outbox`")
    return get(db, message_id)


def delete(db: SqliteDatabase, message_id: int, *, user: str, folder: Path | None = None,
           now: Callable[[], str] = now_stamp) -> OutboxRow:
    """Remove a queued, failed or draft message: its row and its file, audited.

    The file is renamed aside inside the transaction and removed after the commit; if the
    transaction fails it is put back, so the row and the file go together.
    """
    folder = folder or data_dir(db)
    row = get(db, message_id)
    if row.status not in DELETABLE:
        raise InputError(f"ID: {message_id}: message {message_id} is {row.status}: only a queued, failed or draft "
                         "message can be deleted (a sent one is a record of what was sent)")
    path = outbox_files.message_file(folder, row.path)
    aside = path.with_name(f".{path.name}.deleted")
    conn = db.connection()
    account_id = _account_id(conn, message_id)
    moved = False
    try:
        with db.atomic():
            cur = conn.execute("DELETE FROM outbox_message WHERE id = ? AND status IN ('queued', 'failed', 'draft')",
                               (message_id,))
            if cur.rowcount != 1:
                raise InputError(f"ID: {message_id}: message {message_id} changed meanwhile: see `arcollect mail outbox`")
            audit.record(conn, user=user, action="mail_delete", entity="outbox_message", entity_id=message_id,
                         account_id=account_id, at=now(),
                         before={"status": row.status, "to": row.to, "subject": row.subject, "path": row.path,
                                 "template": row.template})
            if path.exists():
                path.rename(aside)
                moved = True
    except BaseException:
        if moved:
            aside.rename(path)
        raise
    aside.unlink(missing_ok=True)
    return row


# ------------------------------------------------------------------------------------ keyring

@dataclass(frozen=True)
class KeyringInfo:
    backend: str                 # module.Class of the backend that would store the password
    priority: float | None
    kind: str                    # ok, none, null, plaintext, encrypted
    problem: str | None          # what is wrong and what to do (None: fine)

    @property
    def can_store(self) -> bool:
        return self.kind == "ok"


_HEADLESS_HELP = (
    "the outbox keeps working (messages wait in it); to send with a login, either start and unlock an OS "
    "keyring (on Linux a Secret Service such as GNOME Keyring or KWallet in your D-Bus session; macOS "
    "Keychain and Windows Credential Locker work out of the box), or install a keyring backend for this "
    "machine and select it with PYTHON_KEYRING_BACKEND; or send through a relay on this machine that needs "
    "no login ([mail] security = \"none\" and no username)")


def _name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _priority(backend: object) -> float | None:
    try:
        value = type(backend).priority  # a classproperty; raises for a backend that is not viable
    except Exception:
        return None
    return value if isinstance(value, (int, float)) else None


def _file_of(backend: object) -> str:
    try:
        return str(getattr(backend, "file_path"))
    except Exception:
        return "a file in your data folder"


def classify(backend: object) -> KeyringInfo:
    """What `backend` would do with a password (see the module doc)."""
    module = type(backend).__module__
    cls = type(backend).__name__
    if module == "keyring.backends.chainer":
        chained = list(getattr(backend, "backends", []) or [])
        if not chained:
            return KeyringInfo(_name(backend), _priority(backend), "none",
                               f"no OS keyring is available (keyring found no usable backend): {_HEADLESS_HELP}")
        return classify(chained[0])
    name, priority = _name(backend), _priority(backend)
    if module == "keyring.backends.fail":
        return KeyringInfo(name, priority, "none", "no OS keyring is available (keyring found no usable backend; "
                                                   f"usual on a headless server or in a container): {_HEADLESS_HELP}")
    if module == "keyring.backends.null":
        return KeyringInfo(name, priority, "null",
                           "the keyring backend is keyring.backends.null, which silently discards passwords (it "
                           "was chosen by PYTHON_KEYRING_BACKEND or a keyringrc.cfg): remove that setting so that "
                           f"the OS keyring is used; {_HEADLESS_HELP}")
    if module.startswith("keyrings.alt") and "plaintext" in cls.lower():
        return KeyringInfo(name, priority, "plaintext",
                           f"the keyring backend is keyrings.alt's {cls}, which keeps passwords unencrypted in "
                           f"{_file_of(backend)}: use an OS keyring instead (uninstall keyrings.alt, or select "
                           "another backend with PYTHON_KEYRING_BACKEND); to accept a password in a plain file, "
                           "run `arcollect mail login --allow-file-keyring`")
    if module.startswith("keyrings.alt") and "encrypted" in cls.lower():
        return KeyringInfo(name, priority, "encrypted",
                           f"the keyring backend is keyrings.alt's {cls}, a file ({_file_of(backend)}) that asks "
                           "for its own master password whenever it is read, which `arcollect mail send` (a "
                           "command that never asks questions) cannot answer: use an OS keyring instead "
                           "(uninstall keyrings.alt, or select another backend with PYTHON_KEYRING_BACKEND)")
    return KeyringInfo(name, priority, "ok", None)


def keyring_info() -> KeyringInfo:
    """The backend keyring chose (PYTHON_KEYRING_BACKEND, a keyringrc.cfg, else the best viable one)."""
    import os

    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a backend named by PYTHON_KEYRING_BACKEND or keyringrc.cfg that cannot load
        named = os.environ.get("PYTHON_KEYRING_BACKEND")
        where = f"PYTHON_KEYRING_BACKEND={named!r}" if named else "the keyring configuration (keyringrc.cfg)"
        raise KeyringProblem(f"the keyring backend chosen by {where} cannot be loaded "
                             f"({type(exc).__name__}: {clean(str(exc))}): fix or remove that setting") from None
    return classify(backend)


def keyring_password(username: str) -> str | None:
    """The stored SMTP password for `username`, or None; KeyringProblem when the keyring cannot say."""
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    info = keyring_info()
    if info.kind in ("none", "null", "encrypted"):
        raise KeyringProblem(f"cannot read the SMTP password: {info.problem}")
    try:
        return keyring.get_password(KEYRING_SERVICE, username)
    except NoKeyringError:
        raise KeyringProblem(f"cannot read the SMTP password: no OS keyring is available: {_HEADLESS_HELP}") from None
    except KeyringError as exc:
        raise KeyringProblem(f"cannot read the SMTP password from the keyring ({info.backend}): "
                             f"{clean(str(exc)) or type(exc).__name__}: unlock the keyring and try again") from None


def store_password(username: str, password: str, *, allow_file_keyring: bool = False) -> KeyringInfo:
    """Keep `password` in the keyring under (arcollect, username), and prove it can be read back."""
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    if not username:
        raise InputError("config: [mail] username: not set: set the SMTP login name before `mail login` "
                         "(a server without login needs no password)")
    if not password:
        raise InputError("password: empty: expected the SMTP password (from the terminal, or one line on "
                         "standard input)")
    info = keyring_info()
    if info.kind == "plaintext" and allow_file_keyring:
        pass
    elif not info.can_store:
        raise KeyringProblem(f"the password was not stored: {info.problem}")
    try:
        keyring.set_password(KEYRING_SERVICE, username, password)
        back = keyring.get_password(KEYRING_SERVICE, username)
    except NoKeyringError:
        raise KeyringProblem(f"the password was not stored: no OS keyring is available: {_HEADLESS_HELP}") from None
    except KeyringError as exc:
        raise KeyringProblem(f"the password was not stored: the keyring ({info.backend}) said: "
                             f"{_scrub(str(exc), password) or type(exc).__name__}") from None
    if back != password:
        raise KeyringProblem(f"the keyring backend {info.backend} accepted the password but does not give it "
                             f"back (it discards passwords): {_HEADLESS_HELP}")
    return info


def delete_password(username: str) -> bool:
    """Remove the stored password; False when there was none."""
    import keyring
    from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

    if not username:
        raise InputError("config: [mail] username: not set: there is no login whose password could be removed")
    info = keyring_info()
    if info.kind in ("none", "null"):
        raise KeyringProblem(f"cannot remove the password: {info.problem}")
    try:
        if keyring.get_password(KEYRING_SERVICE, username) is None:
            return False
        keyring.delete_password(KEYRING_SERVICE, username)
    except PasswordDeleteError:
        return False
    except NoKeyringError:
        raise KeyringProblem(f"cannot remove the password: no OS keyring is available: {_HEADLESS_HELP}") from None
    except KeyringError as exc:
        raise KeyringProblem(f"cannot remove the password from the keyring ({info.backend}): "
                             f"{clean(str(exc)) or type(exc).__name__}") from None
    return True


# ------------------------------------------------------------------------- queue from a template

@dataclass(frozen=True)
class QueuedLetter:
    outbox_id: int
    account: str
    template: str
    to: str
    subject: str
    activity_id: int


def queue_letter(db: SqliteDatabase, key: str, template: str, *, today: dt.date, config: Config, user: str,
                 override_dir: Path | None = None, folder: Path | None = None) -> QueuedLetter:
    """Compose `template` for account `key` as of `today` and put it in the outbox, in one transaction
    with an `email` activity (outcome `sent`, as a reminder counts once it is on its way) and audit rows.

    An account with no usable email address gets no message: InputError saying so, nothing written.
    """
    from arcollect_tui.templates import compose

    folder = folder or data_dir(db)
    conn = db.connection()
    written: Path | None = None
    try:
        with db.atomic():
            letter = compose(db, key, template, today=today, config=config, override_dir=override_dir)
            if letter.to_addr is None:
                raise InputError(f"account: {clean(letter.account)}: no email address (no contact has a usable one, "
                                 "nor the account): no message queued; add a contact with an email "
                                 "(import contacts) and try again")
            stamp = now_stamp()
            outbox_id = outbox_files.queue_message(
                conn, account_id=letter.account_id, template=template, to_addr=letter.to_addr,
                to_name=letter.to_name, subject=letter.subject, body=letter.body, data_dir=folder,
                created_at=stamp, sender=config.mail.sender, user=user)
            if outbox_id is None:  # recipient() only returns addresses queue_message accepts
                raise InputError(f"account: {clean(letter.account)}: {letter.to_addr!r}: not a usable email address")
            (rel, subject) = conn.execute("SELECT path, subject FROM outbox_message WHERE id = ?",
                                          (outbox_id,)).fetchone()
            written = outbox_files.message_file(folder, rel)
            note = f"{template.replace('_', ' ')} queued to {letter.to_addr} (outbox #{outbox_id})"
            cur = conn.execute(
                "INSERT INTO activity (account_id, occurred_on, occurred_at, channel, outcome, note, user, created_at)"
                " VALUES (?, ?, ?, 'email', 'sent', ?, ?, ?)",
                (letter.account_id, today.isoformat(), stamp, note, user, stamp))
            activity_id = cur.lastrowid
            audit.record(conn, user=user, action="log", entity="activity", entity_id=activity_id,
                         account_id=letter.account_id, at=stamp,
                         after={"activity": {"occurred_on": today.isoformat(), "channel": "email", "outcome": "sent",
                                             "note": note}, "outbox_id": outbox_id, "template": template})
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return QueuedLetter(outbox_id, letter.account, template, letter.to_addr, subject, activity_id)
