"""Letter templates (arcollect_tui/templates.py): the shipped defaults, overrides in the config
folder checked at load, rendering with hostile names, and composing from the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
from dataclasses import dataclass, field
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest

from arcollect_tui import templates
from arcollect_tui.config import Config, MailSettings, Policy
from arcollect_tui.errors import InputError
from arcollect_tui.services import actions, mailer

from test_actions import D0, STAMP, Book, day

POLICY = Policy()


@dataclass(frozen=True)
class MailPlus(MailSettings):
    """MailSettings with the `signature` key proposed for config.py."""

    signature: str = ""


@dataclass(frozen=True)
class ConfigPlus(Config):
    """Config with the `[bank]` table proposed for config.py."""

    bank: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def book(db) -> Book:
    return Book(db)


def compose(db, name: str, today: dt.date, key: str = "TA", config: Config | None = None,
            override_dir: Path | None = None) -> templates.Letter:
    return templates.compose(db, key, name, today=today, config=config or Config(user="tester"),
                             override_dir=override_dir)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ the defaults

def test_every_shipped_template_loads_and_uses_only_its_placeholders():
    loaded = templates.load_all(None)
    assert [t.name for t in loaded] == list(templates.NAMES)
    for t in loaded:
        assert t.source.startswith("<package>/") and t.subject
        assert t.placeholders <= set(templates.allowed(t.name))
        assert {"account_key", "signature"} <= t.placeholders
    by_name = {t.name: t for t in loaded}
    assert {"suspension_date", "warning_date", "notice_days"} <= by_name["suspension_warning"].placeholders
    assert "plan_schedule" in by_name["plan_confirmation"].placeholders
    assert {"open_invoices", "totals", "aging", "bank_details"} <= by_name["account_statement"].placeholders
    assert "bank_details" in by_name["payment_instructions"].placeholders


def test_the_shipped_templates_are_package_data_files():
    from importlib import resources

    folder = resources.files("arcollect_tui").joinpath("templates")
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt")) == sorted(
        f"{n}.txt" for n in templates.NAMES)


def test_a_reminder_lists_the_past_due_invoices_totals_and_due_dates(db, book):
    acct = book.ta(name="Acme Widgets")
    book.invoice(acct, "TA-2", day(20), 1_500_000, currency="JPY")
    book.invoice(acct, "TA-3", day(40), 25_000)  # dated day 10, not yet due
    letter = compose(db, "first_reminder", day(25))
    assert letter.to_addr == "pat@example.com" and letter.to_name == "Pat Payer"
    assert letter.subject == "Payment reminder: Acme Widgets (account TA)"
    body = letter.body
    assert "Dear Pat Payer," in body and "as of 2026-01-26" in body
    assert "TA-1" in body and "1,000.00 USD" in body and "TA-2" in body and "1,500,000 JPY" in body
    assert "TA-3" not in body  # only what is past due
    assert "Total past due: 1,500,000 JPY; 1,000.00 USD" in body
    table = [line for line in body.splitlines() if "TA-1" in line][0]
    assert table.startswith("  TA-1") and "2026-01-01" in table and " 25 " in table  # indented, due date, dpd


def test_the_statement_has_every_open_item_totals_and_aging(db, book):
    acct = book.ta()
    book.invoice(acct, "TA-2", day(35), 25_000)  # dated day 5, due in 25 days
    book.pay(acct, day(3), 40_000)
    letter = compose(db, "account_statement", day(10))
    body = letter.body
    assert "TA-1" in body and "600.00 USD" in body and "TA-2" in body and "250.00 USD" in body
    totals = [line for line in body.splitlines() if line.strip().startswith("USD")]
    assert totals[0].split() == ["USD", "850.00", "USD", "600.00", "USD", "0.00", "USD"]  # open, past due, disputed
    assert totals[1].split() == ["USD", "250.00", "600.00", "0.00", "0.00", "0.00", "850.00"]  # aging
    assert templates.NO_BANK_DETAILS in body  # no [bank] table: the fallback sentence


def test_the_suspension_warning_gives_the_date_the_notice_allows(db, book):
    book.ta()
    actions.warn(db, "TA", today=day(30), user="tester", policy=POLICY, approved_by="Boss")
    letter = compose(db, "suspension_warning", day(32))
    text = " ".join(letter.body.split())
    assert "This letter, dated 2026-01-31, is formal notice" in text
    assert "suspended on or after 2026-02-10, 10 days from the date of this notice" in text
    assert "Total past due: 1,000.00 USD" in text


def test_letters_about_a_step_that_did_not_happen_are_refused_with_what_to_do(db, book):
    book.ta()
    cases = {
        "suspension_warning": "arcollect warn TA",
        "suspension_notice": "arcollect suspend TA",
        "reinstatement": "arcollect reinstate TA",
        "promise_confirmation": "--promise AMOUNT",
        "plan_confirmation": "plan approve",
    }
    for name, hint in cases.items():
        with pytest.raises(InputError) as e:
            compose(db, name, day(30))
        assert hint in str(e.value), name
    with pytest.raises(InputError) as e:
        compose(db, "first_reminder", day(-1))
    assert "nothing is past due" in str(e.value)


def test_suspension_notice_and_reinstatement_dates(db, book):
    book.ta()
    actions.warn(db, "TA", today=day(30), user="tester", policy=POLICY, approved_by="Boss")
    actions.suspend(db, "TA", today=day(41), user="tester", policy=POLICY, approved_by="Boss")
    assert "suspended on 2026-02-11" in compose(db, "suspension_notice", day(42)).body
    actions.reinstate(db, "TA", today=day(45), user="tester", policy=POLICY)
    assert "restored on 2026-02-15" in compose(db, "reinstatement", day(45)).body


def test_promise_confirmation(db, book):
    book.ta()
    actions.log_activity(db, "TA", today=day(5), user="tester", policy=POLICY, outcome="promise",
                         promise_amount="400", promise_on=day(12))
    letter = compose(db, "promise_confirmation", day(5))
    assert letter.subject == "Confirming your payment of 400.00 USD by 2026-01-13 (account TA)"
    assert "covering: TA-1." in letter.body


def test_plan_confirmation_has_its_schedule(db, book):
    acct = book.ta()
    conn = db.connection()
    with db.atomic():
        plan = conn.execute(
            "INSERT INTO payment_plan (account_id, created_on, currency, total_minor, down_payment_minor,"
            " instalment_count, frequency, first_date, required_role, status, approved_by, approved_on, user,"
            " created_at) VALUES (?, ?, 'USD', 100000, 10000, 2, 'monthly', ?, 'collector', 'approved', 'Boss', ?,"
            " 'tester', ?)", (acct, day(5).isoformat(), day(36).isoformat(), day(5).isoformat(), STAMP)).lastrowid
        conn.executemany("INSERT INTO plan_instalment (plan_id, seq, due_on, amount_minor) VALUES (?, ?, ?, ?)",
                         [(plan, 0, day(5).isoformat(), 10000), (plan, 1, day(36).isoformat(), 45000),
                          (plan, 2, day(64).isoformat(), 45000)])
    body = compose(db, "plan_confirmation", day(6)).body
    assert "1,000.00 USD in total, a down payment of\n100.00 USD and 2 monthly instalments" in body
    rows = [line.split() for line in body.splitlines() if "2026-" in line and "USD" in line]
    assert rows == [["down", "payment", "2026-01-06", "100.00", "USD"], ["1", "2026-02-06", "450.00", "USD"],
                    ["2", "2026-03-06", "450.00", "USD"]]


def test_signature_and_bank_details_from_the_config(db, book):
    book.ta()
    cfg = ConfigPlus(user="tester", mail=MailPlus(sender="ar@vendor.example", signature="Kim Collector\nAR desk"),
                     bank={"bank_name": "First Bank", "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX",
                           "reference": "your account number"})
    body = compose(db, "payment_instructions", day(5), config=cfg).body
    assert body.rstrip().endswith("Kim Collector\nAR desk")
    lines = body.splitlines()
    assert "  Bank:               First Bank" in lines
    assert "  IBAN:               DE89 3704 0044 0532 0130 00" in lines
    assert "  Payment reference:  your account number" in lines
    assert templates.NO_BANK_DETAILS not in body


# ------------------------------------------------------------------------------ overrides

def test_an_override_in_the_config_folder_replaces_the_default(db, book, tmp_path):
    book.ta()
    cfg = Config(user="tester", source=tmp_path / "conf" / "config.toml")
    folder = templates.template_dir(cfg)
    assert folder == tmp_path / "conf" / "templates"
    path = write(folder, "first_reminder", "Subject: Hi $account_name\n\nYou owe $total_past_due, $$5 fee.\n\n\n")
    letter = templates.compose(db, "TA", "first_reminder", today=day(5), config=cfg)
    assert letter.subject == "Hi Test Account" and letter.body == "You owe 1,000.00 USD, $5 fee.\n"
    assert letter.source == str(path)


def test_without_a_config_file_the_overrides_are_in_the_default_config_folder(tmp_path):
    assert templates.template_dir(Config()) == tmp_path / "xdg-config" / "arcollect" / "templates"


@pytest.mark.parametrize("text, line, fragments", [
    ("Subject: x\n\nDear $contact,\n", 3, ["placeholder: $contact: unknown", "$contact_name"]),
    ("Subject: x $acount_key\n\nbody\n", 1, ["$acount_key: unknown"]),
    ("Subject: x\n\nok\n\nSee ${plan_schedule}\n", 5, ["$plan_schedule: only the plan_confirmation template"]),
    ("Subject: x\n\nPay $5.00 now\n", 3, ["a '$' that starts no placeholder", "$$"]),
    ("Dear $contact_name\n\nbody\n", 1, ["expected the first line to be 'Subject: ...'"]),
    ("Subject: x\nbody right away\n", 2, ["expected a blank line"]),
])
def test_a_bad_override_is_an_error_at_load_naming_the_file_line_and_placeholder(tmp_path, text, line, fragments):
    path = write(tmp_path, "first_reminder", text)
    with pytest.raises(InputError) as e:
        templates.load_template("first_reminder", tmp_path)
    message = "\n".join(e.value.problems)
    assert message.startswith(f"{path}:{line}: ")
    for fragment in fragments:
        assert fragment in message


def test_load_all_reports_every_bad_override_at_once(tmp_path):
    write(tmp_path, "first_reminder", "Subject: $nope\n\n$nope_again\n")
    write(tmp_path, "reinstatement", "Subject: ok\n\n$suspension_date\n")
    with pytest.raises(InputError) as e:
        templates.load_all(tmp_path)
    assert len(e.value.problems) == 3


def test_an_unknown_template_name_is_bad_input():
    with pytest.raises(InputError) as e:
        templates.load_template("final_demand")
    assert "expected one of first_reminder" in str(e.value)


def test_a_template_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "first_reminder.txt").write_bytes(b"Subject: \xff\n\nx\n")
    with pytest.raises(InputError) as e:
        templates.load_template("first_reminder", tmp_path)
    assert "not UTF-8" in str(e.value)


# ------------------------------------------------------------------------------ rendering

def test_a_block_alone_on_its_line_is_indented_and_an_empty_block_takes_its_line():
    t = templates.parse_template("first_reminder", "Subject: s\n\nA\n    $open_invoices\n  $bank_details\nB\n", "t")
    values = {k: "" for k in templates.COMMON} | {"open_invoices": "one\ntwo\n\nthree"}
    subject, body = templates.render(t, values)
    assert body == "A\n    one\n    two\n\n    three\nB\n"


HOSTILE = [
    "$signature ${bank_details} $$",
    "Evil\r\nBcc: victim@evil.example",
    "\x1b[2J\x1b]0;pwned\x07 Smith [/] & Sons",
    "[@click=app.quit]x[/] <b>O'Brien</b> \u202eevil",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_inserted_literally_without_control_characters(db, book, db_path, name):
    acct = book.account(name=name)
    book.contact(acct, name.replace("$", "Mallory $"), "ap@customer.example", primary=True)
    book.invoice(acct, name[:20] or "X", D0)
    letter = compose(db, "first_reminder", day(5))
    for text in (letter.subject, letter.body):
        assert not any(ord(c) < 32 and c != "\n" for c in text)
        assert "\x1b" not in text and "\u202e" not in text
    assert "\n" not in letter.subject
    if "$signature" in name:  # a value is never read again as a template
        assert "$signature ${bank_details} $$" in letter.subject
        assert letter.body.count(templates.DEFAULT_SIGNATURE) == 1
    q = mailer.queue_letter(db, "TA", "first_reminder", today=day(5), config=Config(user="tester"), user="tester")
    raw = (db_path.parent / mailer.get(db, q.outbox_id).path).read_bytes()
    msg = email.message_from_bytes(raw, policy=email_policy.default)
    assert msg["Bcc"] is None and b"\nBcc:" not in raw and b"\x1b" not in raw
    assert [a.addr_spec for a in msg["To"].addresses] == ["ap@customer.example"]
    assert sorted(k.lower() for k in msg.keys()) == sorted(
        ["from", "to", "subject", "date", "message-id", "content-type", "content-transfer-encoding", "mime-version"])


# ------------------------------------------------------------------------------ queueing

def test_queue_letter_writes_the_message_an_email_activity_and_audit_rows(db, book, db_path):
    book.ta()
    q = mailer.queue_letter(db, "TA", "first_reminder", today=day(5), config=Config(user="tester"), user="tester")
    row = mailer.get(db, q.outbox_id)
    assert (row.status, row.to, row.template, row.account) == ("queued", "pat@example.com", "first_reminder", "TA")
    activity = db.connection().execute("SELECT channel, outcome, occurred_on, note FROM activity").fetchone()
    assert activity[:3] == ("email", "sent", day(5).isoformat()) and f"outbox #{q.outbox_id}" in activity[3]
    actions_logged = [r[0] for r in db.connection().execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions_logged == ["queue", "log"]
    from arcollect_tui import timeline
    from arcollect_tui.services.facts import load_facts

    a = timeline.assess(load_facts(db.connection(), 1, day(5)), POLICY, day(5))
    assert "first reminder sent" in a.reason  # the ladder moves on


def test_an_account_without_an_email_gets_no_message_and_nothing_is_written(db, book, db_path):
    acct = book.account()
    book.contact(acct, "No Mail")
    book.invoice(acct, "TA-1", D0)
    before = list(db.connection().iterdump())
    with pytest.raises(InputError) as e:
        mailer.queue_letter(db, "TA", "first_reminder", today=day(5), config=Config(user="tester"), user="tester")
    assert "no email address" in str(e.value) and "no message queued" in str(e.value)
    assert list(db.connection().iterdump()) == before
    assert not (db_path.parent / "outbox").exists() or not list((db_path.parent / "outbox").iterdir())


def test_a_failure_after_the_file_was_written_leaves_no_file(db, book, db_path, monkeypatch):
    book.ta()

    def boom(*a, **kw):
        raise RuntimeError("disk on fire")

    real_record = mailer.audit.record

    def record(conn, **kw):
        if kw.get("action") == "log":
            boom()
        return real_record(conn, **kw)

    monkeypatch.setattr(mailer.audit, "record", record)
    with pytest.raises(RuntimeError):
        mailer.queue_letter(db, "TA", "first_reminder", today=day(5), config=Config(user="tester"), user="tester")
    assert list((db_path.parent / "outbox").glob("*")) == []
    assert db.connection().execute("SELECT count(*) FROM outbox_message").fetchone() == (0,)


def test_the_config_proposal_fits_config_dataclasses():
    """The README's [mail] signature and [bank] keys are plain text fields (see the report)."""
    assert {f.name for f in dataclasses.fields(MailPlus)} >= {"host", "port", "security", "username", "sender",
                                                              "signature"}
    assert [k for k, _ in templates.BANK_FIELDS] == ["bank_name", "account_name", "iban", "bic", "account_number",
                                                     "routing_number", "address", "reference"]
