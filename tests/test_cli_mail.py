"""`arcollect mail ...` as a user (and the outside checks) run it: a real SMTP server on loopback
with a login, the password stored by `mail login` in a keyring backend, a suspension warning
queued by `warn`, a send with the server down, then two sends with it up."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from keyring.backends import fail as fail_backend
from keyring.backends import null as null_backend

from arcollect_tui import cli
from arcollect_tui.cli import cmd_mail
from arcollect_tui.db import connect

from test_actions import Book, D0, day
from test_mailer import PASSWORD, SENDER, USER, MemoryKeyring, Server, free_port, memory, use_keyring  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
ROOT = Path(__file__).resolve().parents[1]


def write_config(path: Path, port: int, **mail) -> Path:
    values = {"host": "127.0.0.1", "port": port, "security": "none", "username": USER, "sender": SENDER, **mail}
    lines = ['user = "tester"', "[mail]"] + [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def cfg(tmp_path, port) -> Path:
    return write_config(tmp_path / "config.toml", port)


@pytest.fixture
def ta(db_path):
    """TA: TA-1 (1,000.00 USD) due on D0, primary contact Pat Payer <pat@example.com>."""
    db = connect(db_path)
    Book(db).ta(name="Acme Widgets")
    db.close()


def run(db_path, cfg, *argv: str, today=day(30)) -> int:
    return cli.main(["--db", str(db_path), "--config", str(cfg), "--today", today.isoformat(), *argv])


def outbox_json(db_path, cfg, capsys) -> list[dict]:
    capsys.readouterr()
    assert run(db_path, cfg, "mail", "outbox", "--format", "json") == 0
    return json.loads(capsys.readouterr().out)


def eml(db_path, rel: str) -> bytes:
    return (db_path.parent / rel).read_bytes()


def dump(db_path) -> list[str]:
    db = connect(db_path)
    try:
        return list(db.connection().iterdump())
    finally:
        db.close()


# ------------------------------------------------------------------------ the outside check

def test_login_warn_send_down_then_up_twice(db_path, cfg, port, ta, capsys, monkeypatch, use_keyring):
    kr = use_keyring(MemoryKeyring())
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(db_path, cfg, "mail", "login") == 0
    out = capsys.readouterr()
    assert "stored the SMTP password for ar-robot" in out.out and PASSWORD not in out.out + out.err
    assert kr.store == {("arcollect", USER): PASSWORD}

    assert run(db_path, cfg, "warn", "TA", "--approved-by", "Boss") == 0
    assert "letter queued to pat@example.com" in capsys.readouterr().out
    (msg,) = outbox_json(db_path, cfg, capsys)
    assert set(msg) >= {"id", "account", "to", "subject", "created", "status", "last_error"}
    assert (msg["account"], msg["to"], msg["status"], msg["last_error"]) == ("TA", "pat@example.com", "queued", None)
    db = connect(db_path)
    rel = db.connection().execute("SELECT path FROM outbox_message").fetchone()[0]
    db.close()
    queued = eml(db_path, rel)

    assert run(db_path, cfg, "mail", "send") == 1  # the server is down
    out = capsys.readouterr()
    assert out.err.count("\n") == 1 and out.err.startswith(f"#{msg['id']} to pat@example.com: not sent: ")
    assert f"127.0.0.1:{port}" in out.err and "Traceback" not in out.err
    (msg,) = outbox_json(db_path, cfg, capsys)
    assert msg["status"] == "failed" and "cannot send through" in msg["last_error"] and msg["attempts"] == 1
    assert eml(db_path, rel) == queued

    srv = Server(port).start()
    try:
        assert run(db_path, cfg, "mail", "send") == 0
        out = capsys.readouterr()
        assert out.err == "" and f"sent #{msg['id']} to pat@example.com" in out.out
        assert run(db_path, cfg, "mail", "send") == 0
        assert "nothing to send" in capsys.readouterr().out
        assert run(db_path, cfg, "mail", "send", str(msg["id"])) == 0
        assert "was already sent" in capsys.readouterr().out
        assert srv.got == [("ar@vendor.example", ["pat@example.com"], queued)]
        assert srv.logins == [USER.encode()] * 1
    finally:
        srv.stop()
    (msg,) = outbox_json(db_path, cfg, capsys)
    assert msg["status"] == "sent" and msg["sent_at"] and msg["last_error"] is None
    assert run(db_path, cfg, "audit", "verify") == 0


def test_two_failures_are_two_lines_on_stderr(db_path, cfg, ta, capsys, memory):
    assert run(db_path, cfg, "warn", "TA", "--approved-by", "Boss") == 0
    assert run(db_path, cfg, "mail", "queue", "TA", "--template", "second_reminder") == 0
    capsys.readouterr()
    assert run(db_path, cfg, "mail", "send") == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("#1 to ") and err[1].startswith("#2 to ")


FILE_KEYRING = '''
import json, os
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """A test backend of our own: passwords in the JSON file $TEST_KEYRING_FILE."""

    priority = 1

    def _load(self):
        path = os.environ["TEST_KEYRING_FILE"]
        return json.load(open(path)) if os.path.exists(path) else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}/{username}"] = password
        json.dump(data, open(os.environ["TEST_KEYRING_FILE"], "w"))

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        json.dump(data, open(os.environ["TEST_KEYRING_FILE"], "w"))
'''

MAIN = "import sys; from arcollect_tui import cli; sys.exit(cli.main(sys.argv[1:]))"


def test_a_keyring_backend_named_by_python_keyring_backend_in_separate_processes(db_path, tmp_path, port, ta):
    (tmp_path / "filekr.py").write_text(textwrap.dedent(FILE_KEYRING), encoding="utf-8")
    store = tmp_path / "keyring.json"
    cfg = write_config(tmp_path / "config.toml", port)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "filekr.FileKeyring", "TEST_KEYRING_FILE": str(store),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), "ARCOLLECT_DB": str(db_path),
           "ARCOLLECT_CONFIG": str(cfg), "ARCOLLECT_TODAY": day(30).isoformat()}

    def arcollect(*argv: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", MAIN, *argv], input=stdin, capture_output=True, text=True,
                              env=env, timeout=60)

    r = arcollect("mail", "login", stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert "filekr.FileKeyring" in r.stdout and PASSWORD not in r.stdout
    assert json.loads(store.read_text()) == {f"arcollect/{USER}": PASSWORD}
    assert arcollect("warn", "TA", "--approved-by", "Boss").returncode == 0
    r = arcollect("mail", "send")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1
    srv = Server(port).start()
    try:
        first, second = arcollect("mail", "send"), arcollect("mail", "send")
        assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
        assert len(srv.got) == 1 and b"Suspension warning" in srv.got[0][2]
    finally:
        srv.stop()
    r = arcollect("mail", "logout")
    assert r.returncode == 0 and json.loads(store.read_text()) == {}


# --------------------------------------------------------------------------------- login

def test_login_without_a_username_is_bad_input(db_path, tmp_path, port, capsys, memory, monkeypatch):
    cfg = write_config(tmp_path / "c.toml", port, username="")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(db_path, cfg, "mail", "login") == 2
    assert "[mail] username: not set" in capsys.readouterr().err


def test_login_with_nothing_on_stdin_is_bad_input(db_path, cfg, capsys, memory, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert run(db_path, cfg, "mail", "login") == 2
    assert "password: empty" in capsys.readouterr().err


@pytest.mark.parametrize("backend, words", [(fail_backend.Keyring(), "no OS keyring is available"),
                                            (null_backend.Keyring(), "silently discards passwords")])
def test_login_refuses_a_backend_that_cannot_keep_the_password(db_path, cfg, capsys, monkeypatch, use_keyring,
                                                               backend, words):
    use_keyring(backend)
    stdin = io.StringIO(PASSWORD + "\n")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert run(db_path, cfg, "mail", "login") == 1
    err = capsys.readouterr().err
    assert words in err and "the password was not stored" in err and "Traceback" not in err
    assert stdin.tell() == 0  # refused before reading the password


def test_login_reads_the_terminal_without_echo(db_path, cfg, capsys, monkeypatch, use_keyring):
    kr = use_keyring(MemoryKeyring())

    class Tty(io.StringIO):
        def isatty(self):
            return True

    prompts = []
    monkeypatch.setattr(sys, "stdin", Tty("typed on stdin\n"))
    monkeypatch.setattr(cmd_mail.getpass, "getpass", lambda prompt: prompts.append(prompt) or PASSWORD)
    assert run(db_path, cfg, "mail", "login") == 0
    assert prompts == ["SMTP password for ar-robot at 127.0.0.1: "]
    assert kr.store == {("arcollect", USER): PASSWORD}


def test_logout_removes_the_password_and_says_when_there_was_none(db_path, cfg, capsys, memory):
    assert run(db_path, cfg, "mail", "logout") == 0
    assert "removed the SMTP password for ar-robot" in capsys.readouterr().out and memory.store == {}
    assert run(db_path, cfg, "mail", "logout") == 0
    assert "no SMTP password was stored" in capsys.readouterr().out


def test_login_and_logout_do_not_touch_the_database(db_path, cfg, capsys, memory, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(db_path, cfg, "mail", "login") == 0
    assert run(db_path, cfg, "mail", "logout") == 0
    assert not db_path.exists()


# ---------------------------------------------------------------------- show, delete, queue

def test_show_prints_the_message_and_raw_prints_its_bytes(db_path, cfg, ta, capsysbinary):
    assert run(db_path, cfg, "mail", "queue", "TA", "--template", "first_reminder") == 0
    capsysbinary.readouterr()
    assert run(db_path, cfg, "mail", "show", "1") == 0
    out = capsysbinary.readouterr().out.decode()
    assert out.startswith("#1 queued, created ") and "To: Pat Payer <pat@example.com>" in out
    assert "Subject: Payment reminder: Acme Widgets (account TA)" in out and "Dear Pat Payer," in out
    assert run(db_path, cfg, "mail", "show", "1", "--raw") == 0
    (path,) = (db_path.parent / "outbox").glob("*.eml")
    assert capsysbinary.readouterr().out == path.read_bytes()


def test_delete_by_cli_removes_file_and_row(db_path, cfg, ta, capsys):
    assert run(db_path, cfg, "mail", "queue", "TA", "--template", "payment_instructions") == 0
    assert run(db_path, cfg, "mail", "delete", "1") == 0
    assert "deleted #1 to pat@example.com (queued)" in capsys.readouterr().out
    assert list((db_path.parent / "outbox").glob("*")) == []
    assert outbox_json(db_path, cfg, capsys) == []


@pytest.mark.parametrize("argv, fragment", [
    (["mail", "show", "7"], "7: no outbox message has this id"),
    (["mail", "delete", "7"], "7: no outbox message has this id"),
    (["mail", "send", "7"], "7: no outbox message has this id"),
    (["mail", "retry", "7"], "7: no outbox message has this id"),
    (["mail", "queue", "NOPE", "--template", "first_reminder"], "no account has this key"),
    (["mail", "queue", "TA", "--template", "final_demand"], "unknown template"),
])
def test_bad_ids_keys_and_templates_are_exit_2_and_write_nothing(db_path, cfg, ta, capsys, argv, fragment):
    before = dump(db_path)
    assert run(db_path, cfg, *argv) == 2
    out = capsys.readouterr()
    assert fragment in out.err and out.out == ""
    assert dump(db_path) == before


def test_a_non_numeric_id_is_a_usage_error(db_path, cfg, capsys):
    with pytest.raises(SystemExit) as e:
        run(db_path, cfg, "mail", "send", "1;DROP")
    assert e.value.code == 2 and "expected a message id" in capsys.readouterr().err


def test_queue_without_an_email_address_says_so_and_writes_nothing(db_path, cfg, capsys):
    db = connect(db_path)
    book = Book(db)
    acct = book.account()
    book.invoice(acct, "TA-1", D0)
    db.close()
    before = dump(db_path)
    assert run(db_path, cfg, "mail", "queue", "TA", "--template", "first_reminder") == 2
    assert "no email address" in capsys.readouterr().err
    assert dump(db_path) == before


def test_queue_preview_prints_and_writes_nothing(db_path, cfg, ta, capsys):
    before = dump(db_path)
    assert run(db_path, cfg, "mail", "queue", "TA", "--template", "account_statement", "--preview") == 0
    out = capsys.readouterr().out
    assert out.startswith("To: pat@example.com\nSubject: Statement of account TA (Acme Widgets) as of 2026-01-31\n")
    assert "Aging (days past due):" in out
    assert dump(db_path) == before


def test_outbox_table(db_path, cfg, ta, capsys):
    assert run(db_path, cfg, "mail", "queue", "TA", "--template", "first_reminder") == 0
    capsys.readouterr()
    assert run(db_path, cfg, "mail", "outbox") == 0
    head, rule, row = capsys.readouterr().out.splitlines()
    assert head.split() == ["id", "account", "to", "subject", "created", "status", "last", "error"]
    assert row.split()[:3] == ["1", "TA", "pat@example.com"] and "queued" in row


def test_retry_and_mark_sent_by_cli(db_path, cfg, ta, capsys):
    assert run(db_path, cfg, "mail", "queue", "TA", "--template", "first_reminder") == 0
    db = connect(db_path)
    with db.atomic():
        db.connection().execute("UPDATE outbox_message SET status = 'sending'")
    db.close()
    capsys.readouterr()
    assert run(db_path, cfg, "mail", "delete", "1") == 2
    assert "only a queued, failed or draft message" in capsys.readouterr().err
    assert run(db_path, cfg, "mail", "retry", "1") == 0
    assert "queued again" in capsys.readouterr().out
    assert run(db_path, cfg, "mail", "mark-sent", "1") == 2  # only for an unknown outcome
    capsys.readouterr()
    assert outbox_json(db_path, cfg, capsys)[0]["status"] == "queued"


def test_templates_lists_and_checks_the_overrides(db_path, cfg, capsys):
    assert run(db_path, cfg, "mail", "templates") == 0
    out = capsys.readouterr().out
    assert "first_reminder" in out and "$suspension_date" in out and str(cfg.parent / "templates") in out
    folder = cfg.parent / "templates"
    folder.mkdir()
    (folder / "second_reminder.txt").write_text("Subject: hi\n\nDear $contact_nmae\n", encoding="utf-8")
    assert run(db_path, cfg, "mail", "templates", "--format", "json") == 2
    assert f"{folder / 'second_reminder.txt'}:3: placeholder: $contact_nmae: unknown" in capsys.readouterr().err
