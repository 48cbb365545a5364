"""The collector's writes on the timeline (services/actions.py, services/outbox.py).

Hand-built accounts (raw rows, through `Book`), a fixed calendar: TA-1 falls due on D0, so
*today* = D0 + n is dpd n.  Every refusal leaves the database byte-for-byte as it was; every
permission writes its rows and an audit row, and the audit chain holds after each.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import stat
from decimal import Decimal
from email import policy as email_policy
from pathlib import Path

import pytest

from arcollect_tui import audit, ledger, timeline
from arcollect_tui.config import Config, MailSettings, Policy
from arcollect_tui.errors import InputError, PolicyRefusal
from arcollect_tui.services import actions, outbox
from arcollect_tui.services.facts import load_facts

D0 = dt.date(2026, 1, 1)        # TA-1's due date
POLICY = Policy()
STAMP = "2026-01-01T00:00:00Z"


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


class Book:
    """Builds accounts from raw rows, as an import would leave them."""

    def __init__(self, db):
        self.db = db
        self.conn = db.connection()

    def account(self, key: str = "TA", name: str = "Test Account", currency: str | None = "USD",
                email: str | None = None) -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO account (key, name, currency, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (key, name, currency, email, STAMP, STAMP)).lastrowid

    def contact(self, acct: int, name: str, email: str | None = None, primary: bool = False) -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO contact (account_id, name, email, is_primary, created_at) VALUES (?, ?, ?, ?, ?)",
                (acct, name, email, int(primary), STAMP)).lastrowid

    def invoice(self, acct: int, number: str, due: dt.date, amount_minor: int = 100_000,
                currency: str = "USD") -> int:
        with self.db.atomic():
            return self.conn.execute(
                "INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (acct, number, (due - dt.timedelta(days=30)).isoformat(), due.isoformat(), currency, amount_minor,
                 STAMP)).lastrowid

    def pay(self, acct: int, on: dt.date, amount_minor: int, currency: str = "USD") -> None:
        with self.db.atomic():
            pid = self.conn.execute(
                "INSERT INTO payment (account_id, paid_on, currency, amount_minor, source_key, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (acct, on.isoformat(), currency, amount_minor, f"p-{acct}-{on}-{amount_minor}", STAMP)).lastrowid
            ledger.allocate_payment(self.conn, payment_id=pid, account_id=acct, paid_on=on, currency=currency,
                                    amount_minor=amount_minor, created_at=STAMP)

    def ta(self, **kw) -> int:
        """The standard account: TA-1, 1,000.00 USD due on D0, a primary contact with an email."""
        acct = self.account(**kw)
        self.contact(acct, "Pat Payer", "pat@example.com", primary=True)
        self.invoice(acct, "TA-1", D0)
        return acct


@pytest.fixture
def book(db) -> Book:
    return Book(db)


def dump(db) -> list[str]:
    return list(db.connection().iterdump())


def chain_holds(db) -> None:
    count, bad, why = audit.verify(db.connection())
    assert bad is None, why
    assert count > 0


def assess(db, acct: int, today: dt.date) -> timeline.Assessment:
    return timeline.assess(load_facts(db.connection(), acct, today), POLICY, today)


def rows(db, sql: str, *params) -> list[tuple]:
    return db.connection().execute(sql, params).fetchall()


def do_warn(db, today: dt.date, key: str = "TA", **kw) -> actions.WarnResult:
    return actions.warn(db, key, today=today, user="tester", policy=POLICY, approved_by=kw.pop("approved_by", "Boss"),
                        config=kw.pop("config", Config(user="tester")), **kw)


def do_suspend(db, today: dt.date, key: str = "TA") -> actions.StepResult:
    return actions.suspend(db, key, today=today, user="tester", policy=POLICY, approved_by="Boss")


def refused(db, call, *fragments: str) -> str:
    """`call` is refused by the policy (exit 3), its message has every fragment, nothing changed."""
    before = dump(db)
    with pytest.raises(PolicyRefusal) as e:
        call()
    assert e.value.exit_code == 3
    message = str(e.value)
    for fragment in fragments:
        assert fragment in message, message
    assert dump(db) == before
    return message


def bad_input(db, call, *fragments: str) -> list[str]:
    before = dump(db)
    with pytest.raises(InputError) as e:
        call()
    assert e.value.exit_code == 2
    text = "\n".join(e.value.problems)
    for fragment in fragments:
        assert fragment in text, text
    assert dump(db) == before
    return e.value.problems


# ------------------------------------------------------------------------------------- warn

def test_warn_at_dpd_29_is_refused_with_the_rule_and_the_date(db, book):
    book.ta()
    refused(db, lambda: do_warn(db, day(29)), "dpd >= 30", "TA-1 is 29 days past due", f"possible from {day(30)}")


def test_warn_at_dpd_30_records_the_warning_the_letter_activity_and_the_outbox_message(db, book, db_path):
    acct = book.ta()
    r = do_warn(db, day(30), approver_role="collections_manager", reference="TCK-7")
    assert (r.stage_before, r.stage_after, r.next_date) == ("warning_due", "warned", day(40))
    (event,) = rows(db, "SELECT kind, on_date, approved_by, approver_role, approval_ref, rule, user FROM suspension_event")
    assert event[:5] == ("warning", day(30).isoformat(), "Boss", "collections_manager", "TCK-7")
    assert "TA-1 is 30 days past due" in event[5] and f"suspension possible from {day(40)}" in event[5]
    assert rows(db, "SELECT channel, outcome, occurred_on FROM activity") == [("letter", "sent", day(30).isoformat())]
    (msg,) = rows(db, "SELECT account_id, template, to_addr, status, path FROM outbox_message")
    assert msg[:4] == (acct, "suspension_warning", "pat@example.com", "queued")
    assert (db_path.parent / msg[4]).is_file() and r.outbox_id and r.letter_to == "pat@example.com"
    (row,) = rows(db, "SELECT before, after FROM audit_log WHERE action = 'warn'")
    assert '"stage":"warning_due"' in row[0] and '"stage":"warned"' in row[1]
    assert assess(db, acct, day(30)).warning_on == day(30)
    chain_holds(db)


def test_a_second_warning_while_one_is_valid_is_refused(db, book):
    book.ta()
    do_warn(db, day(30))
    refused(db, lambda: do_warn(db, day(35)), "valid warning", f"possible from {day(61)}")


def test_warn_is_refused_for_a_suspended_account(db, book):
    book.ta()
    do_warn(db, day(30))
    do_suspend(db, day(40))
    refused(db, lambda: do_warn(db, day(45)), "not yet suspended", f"suspended since {day(40)}")


def test_warn_needs_an_approver(db, book):
    book.ta()
    bad_input(db, lambda: do_warn(db, day(30), approved_by=" \n"), "--approved-by")


def test_an_open_promise_holds_the_account_and_defers_the_warning(db, book):
    acct = book.ta()
    actions.log_activity(db, "TA", today=day(25), user="tester", policy=POLICY, outcome="promise",
                         promise_amount="1000", promise_on=day(33))
    # hold ends after pay_by + 2 days' tolerance
    refused(db, lambda: do_warn(db, day(31)), "on hold", f"possible from {day(36)}")
    assert assess(db, acct, day(36)).stage == "warning_due"        # broken: the hold ended at once
    do_warn(db, day(36))
    chain_holds(db)


# ------------------------------------------------------------------------------------ suspend

def test_an_open_promise_defers_the_suspension_until_it_is_broken(db, book):
    book.ta()
    do_warn(db, day(30))
    actions.log_activity(db, "TA", today=day(35), user="tester", policy=POLICY, outcome="promise",
                         promise_amount="1000.00", promise_on=day(45))
    refused(db, lambda: do_suspend(db, day(41)), "on hold", "promise of 1,000.00 USD", f"possible from {day(48)}")
    do_suspend(db, day(48))
    chain_holds(db)


def test_suspend_on_warning_day_9_refused_day_10_allowed(db, book):
    acct = book.ta()
    do_warn(db, day(30))
    refused(db, lambda: do_suspend(db, day(39)), "10-day notice has run", f"warned on {day(30)}",
            f"possible from {day(40)}")
    r = do_suspend(db, day(40))
    assert (r.stage_before, r.stage_after, r.next_date) == ("suspension_due", "suspended", day(90))
    (event,) = rows(db, "SELECT approved_by, rule FROM suspension_event WHERE kind = 'suspension'")
    assert event[0] == "Boss" and f"the warning of {day(30)}" in event[1]
    assert assess(db, acct, day(40)).stage == "suspended"
    assert rows(db, "SELECT count(*) FROM audit_log WHERE action = 'suspend'") == [(1,)]
    chain_holds(db)


def test_suspend_without_any_warning_says_warn_first(db, book):
    book.ta()
    refused(db, lambda: do_suspend(db, day(45)), "no valid warning", "no warning has been sent", "warn first",
            f"possible from {day(55)}")


def test_suspend_before_the_warning_threshold_names_both_dates(db, book):
    book.ta()
    refused(db, lambda: do_suspend(db, day(12)), f"a warning possible from {day(30)}", f"suspension from {day(40)}")


def test_suspend_with_an_expired_warning_is_refused(db, book):
    book.ta()
    do_warn(db, day(30))
    refused(db, lambda: do_suspend(db, day(61)), f"the warning of {day(30)} lapsed after {day(60)}", "warn first")
    do_suspend(db, day(60))                                         # the last valid day still works
    chain_holds(db)


def test_kill_bill_2297_a_payment_moving_the_anchor_needs_a_new_warning(db, book):
    """TA-1 (due D0) is paid after the warning; TA-2 (due D0+20) becomes the anchor.  The old
    warning was given when TA-2 was only 10 days past due: it does not cover TA-2."""
    acct = book.ta()
    book.invoice(acct, "TA-2", day(20), 50_000)
    do_warn(db, day(30))
    book.pay(acct, day(35), 100_000)
    assert assess(db, acct, day(40)).anchor == "TA-2"
    refused(db, lambda: do_suspend(db, day(40)), "TA-2 is 20 days past due", f"a warning possible from {day(50)}")
    message = refused(db, lambda: do_suspend(db, day(50)), "no valid warning", "does not cover TA-2", "warn first")
    assert f"the warning of {day(30)}" in message
    refused(db, lambda: do_warn(db, day(49)), "TA-2 is 29 days past due", f"possible from {day(50)}")
    do_warn(db, day(50))
    refused(db, lambda: do_suspend(db, day(59)), f"possible from {day(60)}")
    do_suspend(db, day(60))
    chain_holds(db)


# ------------------------------------------------------------------------- refer, reinstate

def test_refer_at_dpd_89_refused_90_allowed(db, book):
    acct = book.ta()
    do_warn(db, day(30))
    do_suspend(db, day(40))
    refer = lambda today: actions.refer(db, "TA", today=today, user="tester", policy=POLICY)  # noqa: E731
    refused(db, lambda: refer(day(89)), "refer needs dpd >= 90", "TA-1 is 89 days past due", f"possible from {day(90)}")
    r = refer(day(90))
    assert (r.kind, r.stage_before, r.stage_after) == ("referral", "suspended", "referred")
    assert assess(db, acct, day(90)).stage == "referred"
    refused(db, lambda: refer(day(91)), "already referred")
    chain_holds(db)


def test_refer_needs_a_suspension(db, book):
    book.ta()
    do_warn(db, day(30))
    refused(db, lambda: actions.refer(db, "TA", today=day(35), user="t", policy=POLICY),
            "not suspended", f"suspend first (possible from {day(40)})")
    refused(db, lambda: actions.refer(db, "TA", today=day(45), user="t", policy=POLICY), "suspend first")
    refused(db, lambda: actions.refer(db, "TA", today=day(95), user="t", policy=POLICY), "warn first, then suspend")


def test_reinstate_when_not_suspended_is_refused(db, book):
    book.ta()
    refused(db, lambda: actions.reinstate(db, "TA", today=day(35), user="t", policy=POLICY), "not suspended")


def test_reinstate_lifts_the_suspension_and_voids_the_old_warning(db, book):
    acct = book.ta()
    do_warn(db, day(30))
    do_suspend(db, day(40))
    r = actions.reinstate(db, "TA", today=day(45), user="tester", policy=POLICY, note="customer paid half")
    assert (r.stage_before, r.stage_after) == ("suspended", "warning_due")
    assert assess(db, acct, day(45)).suspended_on is None
    refused(db, lambda: do_suspend(db, day(46)), f"came before the reinstatement of {day(45)}", "warn first")
    do_warn(db, day(46))
    chain_holds(db)


def test_reinstate_a_referred_account(db, book):
    book.ta()
    do_warn(db, day(30))
    do_suspend(db, day(40))
    actions.refer(db, "TA", today=day(90), user="t", policy=POLICY)
    r = actions.reinstate(db, "TA", today=day(95), user="t", policy=POLICY)
    assert (r.stage_before, r.stage_after) == ("referred", "warning_due")


# ------------------------------------------------------------------------ consistent history

def test_a_step_dated_before_a_recorded_step_is_bad_input(db, book):
    book.ta()
    do_warn(db, day(40))
    bad_input(db, lambda: do_suspend(db, day(35)), f"recorded on {day(40)}", "after this date")
    bad_input(db, lambda: do_warn(db, day(31)), f"recorded on {day(40)}")


def test_a_reinstatement_on_the_day_of_the_suspension_is_bad_input(db, book):
    book.ta()
    do_warn(db, day(30))
    do_suspend(db, day(40))
    bad_input(db, lambda: actions.reinstate(db, "TA", today=day(40), user="t", policy=POLICY),
              f"from {day(41)}")
    actions.reinstate(db, "TA", today=day(41), user="t", policy=POLICY)


def test_unknown_account_is_bad_input(db, book):
    book.ta()
    for call in (lambda: do_warn(db, day(30), key="NOPE"), lambda: do_suspend(db, day(30), key="NOPE"),
                 lambda: actions.log_activity(db, "NOPE", today=day(1), user="t", policy=POLICY, outcome="reached")):
        bad_input(db, call, "'NOPE'")


# ---------------------------------------------------------------------------------------- log

def test_log_records_the_activity_with_contact_follow_up_and_cleaned_note(db, book):
    acct = book.ta()
    r = actions.log_activity(db, "TA", today=day(16), user="tester", policy=POLICY, outcome="reached",
                             contact="pat payer", note="said\x1b[31m ok\nwill check", follow_up=day(19))
    assert (r.contact, r.follow_up_on, r.promise_id) == ("Pat Payer", day(19), None)
    (a,) = rows(db, "SELECT channel, outcome, contact_id IS NOT NULL, note, follow_up_on, user FROM activity")
    assert a == ("call", "reached", 1, "said[31m ok\nwill check", day(19).isoformat(), "tester")
    assert assess(db, acct, day(19)).flags == ("follow_up_due",)
    chain_holds(db)


def test_log_with_a_promise_creates_it_linked_and_it_holds_the_account(db, book):
    acct = book.ta()
    book.invoice(acct, "TA-2", day(10), 50_000)
    r = actions.log_activity(db, "TA", today=day(20), user="tester", policy=POLICY, outcome=None,
                             promise_amount="1,200.50", promise_on=day(27))
    assert (r.outcome, r.promise_amount, r.promise_currency, r.promise_on) == (
        "promise", Decimal("1200.50"), "USD", day(27))
    (p,) = rows(db, "SELECT activity_id, made_on, pay_by, currency, amount_minor FROM promise")
    assert p == (r.activity_id, day(20).isoformat(), day(27).isoformat(), "USD", 120_050)
    linked = rows(db, "SELECT i.number FROM promise_invoice pi JOIN invoice i ON i.id = pi.invoice_id ORDER BY 1")
    assert linked == [("TA-1",), ("TA-2",)]
    a = assess(db, acct, day(22))
    assert a.hold is not None and a.hold.kind == "promise" and "promise" in a.flags
    assert a.next_action_due == day(30)                              # pay_by + 2 days' tolerance + 1
    chain_holds(db)


def test_log_promise_in_jpy_uses_the_accounts_currency_and_its_minor_digits(db, book):
    acct = book.account(key="JP", currency="JPY")
    book.invoice(acct, "JP-1", D0, 120_000, "JPY")
    bad_input(db, lambda: actions.log_activity(db, "JP", today=day(5), user="t", policy=POLICY, outcome="promise",
                                               promise_amount="1.5", promise_on=day(9)), "--promise", "JPY")
    r = actions.log_activity(db, "JP", today=day(5), user="t", policy=POLICY, outcome="promise",
                             promise_amount="120,000", promise_on=day(9))
    assert (r.promise_currency, r.promise_amount) == ("JPY", Decimal("120000"))
    assert rows(db, "SELECT currency, amount_minor FROM promise") == [("JPY", 120_000)]


def test_log_promise_needs_both_amount_and_date(db, book):
    book.ta()
    log = lambda **kw: actions.log_activity(db, "TA", today=day(5), user="t", policy=POLICY, **kw)  # noqa: E731
    bad_input(db, lambda: log(outcome="promise", promise_amount="100"), "needs the date", "--on")
    bad_input(db, lambda: log(outcome="promise", promise_on=day(9)), "needs its amount")
    bad_input(db, lambda: log(outcome="reached", promise_amount="100", promise_on=day(9)), "--outcome promise")


def test_log_reports_every_bad_field_at_once(db, book):
    book.ta()
    problems = bad_input(
        db, lambda: actions.log_activity(db, "TA", today=day(5), user="t", policy=POLICY, outcome="yelled",
                                         channel="pigeon", contact="Nobody", follow_up=day(4),
                                         promise_amount="-5", promise_on=day(3)),
        "--outcome: 'yelled'", "--channel: 'pigeon'", "'Nobody'", "'Pat Payer'", "--follow-up", "--on",
        "above zero")
    assert len(problems) == 6


def test_log_contact_on_an_account_without_contacts_says_so(db, book):
    book.account(key="NC")
    bad_input(db, lambda: actions.log_activity(db, "NC", today=day(5), user="t", policy=POLICY, outcome="reached",
                                               contact="Pat"), "has no contacts")


# ------------------------------------------------------------------------------------- outbox

def _eml(db_path: Path) -> Path:
    (path,) = (db_path.parent / "outbox").glob("*.eml")
    return path


def test_the_warning_letter_is_a_parseable_rfc5322_message_with_mode_0600(db, book, db_path):
    acct = book.ta(name="Acme Widgets")
    book.invoice(acct, "TA-2", day(20), 50_000)
    cfg = Config(user="tester", mail=MailSettings(sender="AR Team <ar@vendor.example>"))
    do_warn(db, day(30), config=cfg)
    path = _eml(db_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    msg = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
    assert msg["From"].addresses[0].addr_spec == "ar@vendor.example"
    assert msg["To"].addresses[0].addr_spec == "pat@example.com"
    assert msg["To"].addresses[0].display_name == "Pat Payer"
    assert "Suspension warning" in msg["Subject"] and "TA" in msg["Subject"]
    assert msg["Date"].datetime is not None
    (mid, rel) = rows(db, "SELECT message_id, path FROM outbox_message")[0]
    assert msg["Message-ID"] == mid and path.name == mid.strip("<>") + ".eml" and rel == f"outbox/{path.name}"
    body = " ".join(msg.get_content().split())
    assert "TA-1" in body and "1,000.00 USD" in body and "TA-2" in body and "500.00 USD" in body
    assert f"dated {day(30)}" in body and f"on or after {day(40)}" in body
    assert "Total past due: 1,500.00 USD" in body


def test_a_hostile_name_cannot_inject_a_header(db, book, db_path):
    acct = book.account(name="Evil\r\nBcc: victim@evil.example")
    book.contact(acct, "Mallory\nBcc: spy@evil.example\nX-Evil: 1", "ap@customer.example", primary=True)
    book.invoice(acct, "TA-1", D0)
    do_warn(db, day(30))
    raw = _eml(db_path).read_bytes()
    msg = email.message_from_bytes(raw, policy=email_policy.default)
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == ["ap@customer.example"]
    assert sorted(k.lower() for k in msg.keys()) == sorted(
        ["from", "to", "subject", "date", "message-id", "content-type", "content-transfer-encoding", "mime-version"])
    assert b"\nBcc:" not in raw and b"\nX-Evil" not in raw


def test_recipient_falls_back_to_a_contact_then_the_account_email(db, book):
    acct = book.account(email="billing@acct.example")
    book.contact(acct, "No Mail", None, primary=True)
    book.contact(acct, "Bad Mail", "not an address")
    book.invoice(acct, "TA-1", D0)
    r = do_warn(db, day(30))
    assert r.letter_to == "billing@acct.example"
    acct2 = book.account(key="TB")
    book.contact(acct2, "Second", "second@b.example")
    book.contact(acct2, "Primary", "primary@b.example", primary=True)
    book.invoice(acct2, "TB-1", D0)
    assert do_warn(db, day(30), key="TB").letter_to == "primary@b.example"


def test_no_email_address_still_records_the_warning_and_says_why(db, book, db_path):
    acct = book.account()
    book.invoice(acct, "TA-1", D0)
    r = do_warn(db, day(30))
    assert r.outbox_id is None and "no email address" in (r.no_letter_reason or "")
    assert rows(db, "SELECT count(*) FROM suspension_event") == [(1,)]
    assert rows(db, "SELECT count(*) FROM outbox_message") == [(0,)]
    assert not list(db_path.parent.glob("outbox/*.eml"))


def test_a_failed_transaction_leaves_no_eml_file(db, book, db_path, monkeypatch):
    book.ta()

    def boom(*a, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(actions, "_reassess", boom)
    before = dump(db)
    with pytest.raises(RuntimeError):
        do_warn(db, day(30))
    assert dump(db) == before
    assert list((db_path.parent / "outbox").glob("*")) == []


def test_queue_message_refuses_a_list_or_a_broken_address(db, tmp_path):
    conn = db.connection()
    for bad in ("a@b.example, c@d.example", "a@b.example\nBcc: x@y.example", "<a@b.example>", "nobody", ""):
        assert outbox.queue_message(conn, account_id=None, template=None, to_addr=bad, subject="s", body="b",
                                    data_dir=tmp_path, created_at=STAMP) is None
    assert not (tmp_path / "outbox").exists()


def test_a_bad_sender_setting_is_bad_input(db, book):
    book.ta()
    cfg = Config(mail=MailSettings(sender="not an address"))
    bad_input(db, lambda: do_warn(db, day(30), config=cfg), "[mail] sender")
