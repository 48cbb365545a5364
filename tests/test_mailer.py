"""Sending the outbox (services/mailer.py) to a real SMTP server on loopback (aiosmtpd), and the
password in a keyring: an in-memory backend, keyring's own `fail` and `null` backends, and
stand-ins for keyrings.alt's file backends.

The server requires a login and records the exact bytes of every message it accepts; a second,
hand-written server hangs up right after the end of the data, to make an outcome unknown.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import socketserver
import sqlite3
import threading
from email import policy as email_policy
from pathlib import Path

import keyring
import keyring.backend
import keyring.core
import keyring.errors
import pytest
from keyring.backends import fail as fail_backend
from keyring.backends import null as null_backend

from arcollect_tui import audit
from arcollect_tui.config import MailSettings
from arcollect_tui.errors import InputError
from arcollect_tui.services import mailer, outbox

# aiosmtpd warns about AUTH without TLS: on loopback, on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

STAMP = "2026-03-02T09:00:00Z"
PASSWORD = "S3cret-Pässwörd-§42"
USER = "ar-robot"
SENDER = "AR Team <ar@vendor.example>"


# ------------------------------------------------------------------------------ the SMTP server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """aiosmtpd handler: keeps (MAIL FROM, RCPT TOs, the exact bytes) of each accepted message;
    refuses recipients at refused.example."""

    def __init__(self):
        self.got: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.got.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 queued"


class Server:
    """A real SMTP server on 127.0.0.1 that requires AUTH (LOGIN/PLAIN) with USER / PASSWORD."""

    def __init__(self, port: int | None = None, **kw):
        self.port = port or free_port()
        self.recorder = Recorder()
        self.logins: list[bytes] = []
        self.kw = kw
        self.controller = None

    def _auth(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
              and auth_data.password == PASSWORD.encode())
        self.logins.append(auth_data.login if isinstance(auth_data, LoginPassword) else b"")
        return AuthResult(success=ok, handled=False)  # False: the server answers 535 itself

    def start(self) -> "Server":
        from aiosmtpd.controller import Controller

        options = {"authenticator": self._auth, "auth_required": True, "auth_require_tls": False, **self.kw}
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def got(self):
        return self.recorder.got


@pytest.fixture
def server():
    s = Server().start()
    yield s
    s.stop()


class HangUpAfterData(socketserver.StreamRequestHandler):
    """Speaks just enough SMTP, reads the message, then closes without the final reply."""

    received: list[bytes] = []

    def handle(self):
        w = self.wfile.write
        w(b"220 hangup.example ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                w(b"250-hangup.example\r\n250 AUTH PLAIN LOGIN\r\n")
            elif verb == b"AUTH":
                w(b"235 2.7.0 ok\r\n")
            elif verb == b"DATA":
                w(b"354 go on\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        break
                    data += chunk
                type(self).received.append(data)
                return  # hang up: the client cannot know whether it was accepted
            elif verb == b"QUIT":
                w(b"221 bye\r\n")
                return
            else:
                w(b"250 ok\r\n")


@pytest.fixture
def hangup_server():
    HangUpAfterData.received = []
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), HangUpAfterData)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def settings(port: int, **kw) -> MailSettings:
    values = {"host": "127.0.0.1", "port": port, "security": "none", "username": USER, "sender": SENDER}
    values.update(kw)
    return MailSettings(**values)


# ------------------------------------------------------------------------------------ keyrings

class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict (the tests' stand-in for the OS keyring)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@pytest.fixture
def use_keyring(monkeypatch):
    """Select a backend for the test; the process's own choice comes back afterwards."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)

    def use(backend):
        keyring.set_keyring(backend)
        return backend

    return use


@pytest.fixture
def memory(use_keyring) -> MemoryKeyring:
    kr = use_keyring(MemoryKeyring())
    kr.store[(mailer.KEYRING_SERVICE, USER)] = PASSWORD
    return kr


# --------------------------------------------------------------------------------------- helpers

def queue(db, db_path, to: str = "pat@example.com", subject: str = "Reminder", body: str = "Please pay.\n",
          sender: str | None = SENDER, name: str | None = "Pat Payer") -> int:
    with db.atomic():
        mid = outbox.queue_message(db.connection(), account_id=None, template="first_reminder", to_addr=to,
                                   to_name=name, subject=subject, body=body, data_dir=db_path.parent,
                                   created_at=STAMP, sender=sender, user="tester")
    assert mid is not None
    return mid


def file_bytes(db, db_path, mid: int) -> bytes:
    (rel,) = db.connection().execute("SELECT path FROM outbox_message WHERE id = ?", (mid,)).fetchone()
    return (db_path.parent / rel).read_bytes()


def status(db, mid: int) -> tuple:
    return db.connection().execute(
        "SELECT status, attempts, last_error, sent_at FROM outbox_message WHERE id = ?", (mid,)).fetchone()


def send(db, ids=None, port: int = 0, lookup=None, **kw):
    return mailer.send(db, ids, settings=settings(port, **kw),
                       password_lookup=lookup or mailer.keyring_password, user="tester")


def chain_holds(db) -> None:
    count, bad, why = audit.verify(db.connection())
    assert bad is None, why


def audit_actions(db, mid: int) -> list[str]:
    return [r[0] for r in db.connection().execute(
        "SELECT action FROM audit_log WHERE entity = 'outbox_message' AND entity_id = ? ORDER BY id", (mid,))]


# ------------------------------------------------------------------------------------ sending

def test_send_delivers_the_exact_bytes_of_the_file_and_records_it(db, db_path, server, memory):
    body = "Please pay.\n.a line that starts with a dot\n..and two\nÜmlaut & €\n.\n"
    a = queue(db, db_path, body=body)
    b = queue(db, db_path, to="lee@example.com", subject="Second")
    report = send(db, port=server.port)
    assert report.ok and [o.result for o in report.outcomes] == ["sent", "sent"]
    assert server.got == [
        ("ar@vendor.example", ["pat@example.com"], file_bytes(db, db_path, a)),
        ("ar@vendor.example", ["lee@example.com"], file_bytes(db, db_path, b)),
    ]
    msg = email.message_from_bytes(server.got[0][2], policy=email_policy.default)
    assert msg.get_content().replace("\r\n", "\n") == body
    for mid in (a, b):
        st, attempts, err, sent_at = status(db, mid)
        assert (st, attempts, err) == ("sent", 1, None) and sent_at
        assert audit_actions(db, mid) == ["queue", "mail_claim", "mail_sent"]
    chain_holds(db)


def test_server_down_then_up_then_again_sends_each_message_once(db, db_path, memory):
    port = free_port()
    ids = [queue(db, db_path), queue(db, db_path, to="lee@example.com")]
    files = {mid: file_bytes(db, db_path, mid) for mid in ids}

    down = send(db, port=port)
    assert not down.ok and [o.result for o in down.outcomes] == ["failed", "failed"]
    for mid in ids:
        st, attempts, err, sent_at = status(db, mid)
        assert st == "failed" and attempts == 1 and sent_at is None
        assert f"cannot send through 127.0.0.1:{port}" in err and "refused" in err.lower()
        assert file_bytes(db, db_path, mid) == files[mid]

    srv = Server(port).start()
    try:
        up = send(db, port=port)
        assert up.ok and [o.result for o in up.outcomes] == ["sent", "sent"]
        again = send(db, port=port)
        assert again.ok and again.outcomes == ()
        by_id = send(db, ids, port=port)  # asked by id: reported, not sent again
        assert [o.result for o in by_id.outcomes] == ["already_sent", "already_sent"]
        assert [g[2] for g in srv.got] == [files[mid] for mid in ids]
    finally:
        srv.stop()
    assert [status(db, mid)[:2] for mid in ids] == [("sent", 2), ("sent", 2)]
    chain_holds(db)


def test_a_refused_recipient_fails_alone_and_the_next_message_still_goes(db, db_path, server, memory):
    bad = queue(db, db_path, to="nobody@refused.example")
    good = queue(db, db_path)
    report = send(db, port=server.port)
    assert [(o.id, o.result) for o in report.outcomes] == [(bad, "failed"), (good, "sent")]
    assert "550" in report.outcomes[0].error and "no such mailbox" in report.outcomes[0].error
    assert status(db, bad)[:2] == ("failed", 1)
    assert [g[1] for g in server.got] == [["pat@example.com"]]


def test_the_wrong_password_fails_with_the_servers_words_and_never_the_password(db, db_path, server, use_keyring):
    kr = use_keyring(MemoryKeyring())
    kr.store[(mailer.KEYRING_SERVICE, USER)] = "wrong-" + PASSWORD
    mid = queue(db, db_path)
    report = send(db, port=server.port)
    (o,) = report.failures
    assert "refused the login" in o.error and "535" in o.error and "mail login" in o.error
    assert PASSWORD not in o.error and status(db, mid)[0] == "failed" and server.got == []


def test_no_password_in_the_keyring_fails_each_message_and_keeps_it(db, db_path, server, use_keyring):
    use_keyring(MemoryKeyring())
    ids = [queue(db, db_path), queue(db, db_path)]
    report = send(db, port=server.port)
    assert len(report.failures) == 2
    for o in report.failures:
        assert "no password for 'ar-robot'" in o.error and "arcollect mail login" in o.error
    assert [status(db, m)[0] for m in ids] == ["failed", "failed"] and server.got == []
    assert server.logins == []  # nothing was even tried without a password


@pytest.mark.parametrize("backend, words", [
    (fail_backend.Keyring(), "no OS keyring is available"),
    (null_backend.Keyring(), "silently discards passwords"),
])
def test_the_fail_and_null_backends_fail_each_message_with_what_to_do(db, db_path, server, use_keyring,
                                                                       backend, words):
    use_keyring(backend)
    mid = queue(db, db_path)
    (o,) = send(db, port=server.port).failures
    assert words in o.error and "outbox keeps working" in o.error and "PYTHON_KEYRING_BACKEND" in o.error
    assert status(db, mid)[0] == "failed" and server.got == []


def test_without_a_username_no_password_is_needed(db, db_path, use_keyring):
    use_keyring(fail_backend.Keyring())  # no keyring at all: fine, no login
    srv = Server(auth_required=False)
    srv.start()
    try:
        mid = queue(db, db_path)
        report = send(db, port=srv.port, username="", lookup=lambda user: pytest.fail("looked up a password"))
        assert report.ok and srv.got[0][2] == file_bytes(db, db_path, mid)
    finally:
        srv.stop()


def test_missing_settings_fail_each_message_clearly(db, db_path, memory):
    mid = queue(db, db_path)
    (o,) = send(db, port=25, host="").failures
    assert "[mail] host is not set" in o.error
    (o,) = send(db, port=25, sender="").failures
    assert "[mail] sender is not set" in o.error
    assert status(db, mid)[:2] == ("failed", 2)


def test_unknown_ids_and_drafts_are_bad_input_and_nothing_happens(db, db_path, server, memory):
    mid = queue(db, db_path)
    with db.atomic():
        db.connection().execute("UPDATE outbox_message SET status = 'draft' WHERE id = ?", (mid,))
    before = list(db.connection().iterdump())
    with pytest.raises(InputError) as e:
        send(db, [mid, 999], port=server.port)
    text = "\n".join(e.value.problems)
    assert "999: no outbox message" in text and "is a draft" in text
    assert list(db.connection().iterdump()) == before and server.got == []
    assert send(db, port=server.port).outcomes == ()  # a draft is never sent by "send all"


# ----------------------------------------------------------------------------- never twice

def test_a_hang_up_after_the_data_is_an_unknown_outcome_never_resent(db, db_path, memory, hangup_server, server):
    mid = queue(db, db_path)
    report = send(db, port=hangup_server)
    (o,) = report.outcomes
    assert o.result == "unknown" and not report.ok
    assert "outcome unknown" in o.error and f"mail retry {mid}" in o.error and f"mail mark-sent {mid}" in o.error
    assert len(HangUpAfterData.received) == 1
    st, attempts, err, _ = status(db, mid)
    assert st == "sending" and "outcome unknown" in err
    # Neither "send all" nor "send ID" sends it again, to any server.
    for ids in (None, [mid]):
        again = send(db, ids, port=server.port)
        assert [x.result for x in again.outcomes] == ["unknown"] and not again.ok
    assert server.got == [] and len(HangUpAfterData.received) == 1
    # The collector checked: it did not arrive.  Retry puts it back in the queue.
    assert mailer.retry(db, mid, user="tester").status == "queued"
    assert send(db, port=server.port).ok and len(server.got) == 1
    assert audit_actions(db, mid) == ["queue", "mail_claim", "mail_unknown", "mail_retry", "mail_claim",
                                      "mail_sent"]
    chain_holds(db)


def test_a_crash_while_sending_leaves_it_sending_and_mark_sent_closes_it(db, db_path, memory, server, monkeypatch):
    mid = queue(db, db_path)

    def crash(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(mailer, "_transmit", crash)
    with pytest.raises(KeyboardInterrupt):
        send(db, port=server.port)
    monkeypatch.undo()
    st, _, err, _ = status(db, mid)
    assert st == "sending" and "outcome unknown" in err
    (o,) = send(db, port=server.port).outcomes
    assert o.result == "unknown" and server.got == []
    with pytest.raises(InputError):
        mailer.delete(db, mid, user="tester")  # it may have gone: it stays as evidence
    row = mailer.mark_sent(db, mid, user="tester")
    assert row.status == "sent" and row.sent_at
    assert send(db, port=server.port).outcomes == () and server.got == []
    with pytest.raises(InputError):
        mailer.retry(db, mid, user="tester")  # a sent message cannot go back to the queue


def test_only_one_process_can_claim_a_message(db, db_path):
    mid = queue(db, db_path)
    row = mailer.get(db, mid)
    path = db_path.parent / row.path
    sender = outbox.sender_address(SENDER)
    data = path.read_bytes()
    assert mailer._claim(db, row, data, path, sender, "tester", STAMP) == data
    assert mailer._claim(db, row, data, path, sender, "tester", STAMP) is None


def test_a_message_claimed_by_another_sender_meanwhile_is_not_sent(db, db_path, server, memory, monkeypatch):
    mid = queue(db, db_path)
    real_claim = mailer._claim

    def racing_claim(db_, row, *a):
        other = sqlite3.connect(db_path)  # another process claims it first
        other.execute("UPDATE outbox_message SET status = 'sending' WHERE id = ?", (mid,))
        other.commit()
        other.close()
        return real_claim(db_, row, *a)

    monkeypatch.setattr(mailer, "_claim", racing_claim)
    (o,) = send(db, port=server.port).outcomes
    assert o.result == "unknown" and "another `arcollect mail send` took it" in o.error and server.got == []


# ------------------------------------------------------------------------------ the sender

def test_a_message_queued_without_a_sender_gets_the_configured_one_and_nothing_else_changes(
        db, db_path, server, memory):
    mid = queue(db, db_path, sender=None)
    before = file_bytes(db, db_path, mid)
    assert b"From: arcollect@localhost\r\n" in before
    assert send(db, port=server.port).ok
    (_, _, got), = server.got
    assert got == file_bytes(db, db_path, mid)
    assert got == before.replace(b"From: arcollect@localhost\r\n", b"From: AR Team <ar@vendor.example>\r\n")
    (claim,) = [e for e in audit.entries(db.connection(), action="mail_claim")]
    assert claim["after"]["from"] == "ar@vendor.example"


# -------------------------------------------------------------------------------- TLS

def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_tls_verify_the_certificate_and_deliver(db, db_path, memory, tmp_path, monkeypatch, security):
    import ssl

    cert, key = _certificate(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    kw = {"tls_context": server_ctx, "require_starttls": True} if security == "starttls" else {"ssl_context": server_ctx}
    srv = Server(**kw).start()
    try:
        mid = queue(db, db_path)
        # The system's CAs do not know this certificate: refused, nothing sent.
        (o,) = send(db, port=srv.port, security=security).failures
        assert "certificate" in o.error.lower() and srv.got == []
        monkeypatch.setattr(mailer, "ssl_context", lambda: ssl.create_default_context(cafile=str(cert)))
        assert send(db, port=srv.port, security=security).ok
        assert srv.got[0][2] == file_bytes(db, db_path, mid)
    finally:
        srv.stop()


def test_starttls_against_a_server_without_it_fails_without_sending_the_password(db, db_path, server, memory):
    mid = queue(db, db_path)
    (o,) = send(db, port=server.port, security="starttls").failures
    assert "STARTTLS" in o.error and status(db, mid)[0] == "failed"
    assert server.logins == [] and server.got == []


# ------------------------------------------------------------------------- the password on disk

def test_the_password_is_nowhere_on_disk_nor_in_the_audit_trail(db, db_path, server, memory, tmp_path):
    ids = [queue(db, db_path), queue(db, db_path, to="nobody@refused.example")]
    send(db, port=server.port)
    send(db, ids, port=server.port)
    db.connection().execute("PRAGMA wal_checkpoint(FULL)")
    secret_forms = [PASSWORD.encode("utf-8"), PASSWORD.encode("utf-16-le"),
                    PASSWORD.encode("ascii", "replace")]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for form in secret_forms:
                assert form not in data, f"the password is in {path}"
    for row in db.connection().execute("SELECT * FROM audit_log"):
        assert PASSWORD not in repr(row)
    for row in db.connection().execute("SELECT * FROM outbox_message"):
        assert PASSWORD not in repr(row)


# ------------------------------------------------------------------------------ delete, retry

def test_delete_removes_the_row_and_the_file_with_an_audit_row(db, db_path):
    mid = queue(db, db_path)
    path = db_path.parent / mailer.get(db, mid).path
    row = mailer.delete(db, mid, user="tester")
    assert row.id == mid and not path.exists()
    assert db.connection().execute("SELECT count(*) FROM outbox_message").fetchone() == (0,)
    assert list(path.parent.iterdir()) == []
    (entry,) = audit.entries(db.connection(), action="mail_delete")
    assert entry["before"]["to"] == "pat@example.com"
    chain_holds(db)
    with pytest.raises(InputError):
        mailer.delete(db, mid, user="tester")


def test_a_failed_delete_puts_the_file_back(db, db_path, monkeypatch):
    mid = queue(db, db_path)
    path = db_path.parent / mailer.get(db, mid).path

    def boom(*a, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(mailer.audit, "record", boom)
    with pytest.raises(RuntimeError):
        mailer.delete(db, mid, user="tester")
    assert path.exists() and mailer.get(db, mid).status == "queued"


def test_a_sent_message_cannot_be_deleted(db, db_path, server, memory):
    mid = queue(db, db_path)
    send(db, port=server.port)
    with pytest.raises(InputError) as e:
        mailer.delete(db, mid, user="tester")
    assert "is sent" in str(e.value)


def test_outbox_lists_rows_with_the_account_key(db, db_path):
    conn = db.connection()
    with db.atomic():
        acct = conn.execute("INSERT INTO account (key, name, created_at, updated_at) VALUES ('007', 'Bond', ?, ?)",
                            (STAMP, STAMP)).lastrowid
        outbox.queue_message(conn, account_id=acct, template=None, to_addr="m@mi6.example", subject="Hi",
                             body="x", data_dir=db_path.parent, created_at=STAMP, sender=SENDER)
    (row,) = mailer.outbox(db)
    assert (row.account, row.to, row.subject, row.created, row.status, row.attempts, row.last_error) == (
        "007", "m@mi6.example", "Hi", STAMP, "queued", 0, None)


# ----------------------------------------------------------------------------- the keyring

def test_store_read_and_delete_through_the_keyring_api(use_keyring):
    kr = use_keyring(MemoryKeyring())
    info = mailer.store_password(USER, PASSWORD)
    assert info.kind == "ok" and info.backend.endswith("MemoryKeyring")
    assert keyring.get_password("arcollect", USER) == PASSWORD
    assert mailer.keyring_password(USER) == PASSWORD
    assert mailer.delete_password(USER) is True and kr.store == {}
    assert mailer.delete_password(USER) is False


def test_the_fail_backend_is_named_with_what_to_do(use_keyring):
    use_keyring(fail_backend.Keyring())
    info = mailer.keyring_info()
    assert info.kind == "none" and info.priority == 0 and "headless" in info.problem
    for call in (lambda: mailer.store_password(USER, PASSWORD), lambda: mailer.keyring_password(USER),
                 lambda: mailer.delete_password(USER)):
        with pytest.raises(mailer.KeyringProblem) as e:
            call()
        assert "no OS keyring" in str(e.value) and PASSWORD not in str(e.value)


def test_the_null_backend_is_refused_because_it_drops_passwords(use_keyring):
    use_keyring(null_backend.Keyring())
    assert mailer.keyring_info().kind == "null"
    with pytest.raises(mailer.KeyringProblem) as e:
        mailer.store_password(USER, PASSWORD)
    assert "silently discards" in str(e.value)


def test_a_backend_that_drops_passwords_silently_is_caught_by_reading_back(use_keyring):
    class Forgetful(MemoryKeyring):
        def set_password(self, service, username, password):
            pass

    use_keyring(Forgetful())
    with pytest.raises(mailer.KeyringProblem) as e:
        mailer.store_password(USER, PASSWORD)
    assert "does not give it back" in str(e.value)


def _alt(cls_name: str, priority: float) -> keyring.backend.KeyringBackend:
    """A stand-in for a keyrings.alt file backend (that package is not installed here)."""
    cls = type(cls_name, (MemoryKeyring,), {"__module__": "keyrings.alt.file", "priority": priority,
                                            "file_path": "/home/u/.local/share/python_keyring/keyring_pass.cfg"})
    return cls()


def test_keyrings_alt_plaintext_is_refused_unless_allowed(use_keyring):
    kr = use_keyring(_alt("PlaintextKeyring", 0.5))
    info = mailer.keyring_info()
    assert info.kind == "plaintext" and info.priority == 0.5
    assert "unencrypted" in info.problem and "keyring_pass.cfg" in info.problem
    with pytest.raises(mailer.KeyringProblem) as e:
        mailer.store_password(USER, PASSWORD)
    assert "--allow-file-keyring" in str(e.value) and kr.store == {}
    mailer.store_password(USER, PASSWORD, allow_file_keyring=True)
    assert mailer.keyring_password(USER) == PASSWORD  # the user accepted it: sending works


def test_keyrings_alt_encrypted_is_refused_because_it_would_ask_a_question(use_keyring):
    use_keyring(_alt("EncryptedKeyring", 0.6))
    assert mailer.keyring_info().kind == "encrypted"
    with pytest.raises(mailer.KeyringProblem) as e:
        mailer.keyring_password(USER)
    assert "master password" in str(e.value)
    with pytest.raises(mailer.KeyringProblem):
        mailer.store_password(USER, PASSWORD, allow_file_keyring=True)


def test_a_chainer_is_judged_by_the_backend_that_would_store(use_keyring):
    from keyring.backends import chainer

    class Chain(chainer.ChainerBackend):
        __module__ = "keyring.backends.chainer"
        backends = []

    assert mailer.classify(Chain()).kind == "none"
    Chain.backends = [_alt("PlaintextKeyring", 0.5), MemoryKeyring()]
    assert mailer.classify(Chain()).kind == "plaintext"
    Chain.backends = [MemoryKeyring()]
    assert mailer.classify(Chain()).kind == "ok"


def test_a_locked_keyring_is_reported_not_raised(use_keyring):
    class Locked(MemoryKeyring):
        def get_password(self, service, username):
            raise keyring.errors.KeyringLocked("the collection is locked")

    use_keyring(Locked())
    with pytest.raises(mailer.KeyringProblem) as e:
        mailer.keyring_password(USER)
    assert "locked" in str(e.value) and "unlock" in str(e.value)


def test_a_backend_that_cannot_be_loaded_is_named(monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # chosen afresh, from the environment
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    with pytest.raises(mailer.KeyringProblem) as e:
        mailer.keyring_password(USER)
    assert "PYTHON_KEYRING_BACKEND='no_such_module.Keyring'" in str(e.value) and "cannot be loaded" in str(e.value)
