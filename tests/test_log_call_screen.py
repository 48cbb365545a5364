"""The call-log form (`c`), driven by Pilot as a collector would: the outcome on keys 1-8, the
three-key common case, a promise, every validation error (nothing saved), cancel, save and next
from the worklist and from an account, follow-ups that follow the outcome until edited, hostile
names shown literally; and the form's read service (`services.forms.call_form`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from arcollect_tui.app import ArcollectApp
from arcollect_tui.config import Config, FollowUpDays, Policy
from arcollect_tui.db import connect
from arcollect_tui.errors import InputError
from arcollect_tui.screens.account import AccountScreen
from arcollect_tui.screens.help import HelpScreen
from arcollect_tui.screens.log_call import Choice, LogCallScreen
from arcollect_tui.screens.queue import QueueScreen, QueueTable
from arcollect_tui.services.accounts import account_detail
from arcollect_tui.services.actions import OUTCOMES, log_activity
from arcollect_tui.services.forms import call_form
from arcollect_tui.services.worklist import clear_memory_cache

from test_app import HOSTILE, fill, visible_text

TODAY = dt.date(2026, 3, 2)            # a Monday
SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_memory_cache()
    yield
    clear_memory_cache()


def _account(conn, key: str, name: str, currency: str, invoices: list[tuple[str, str, int]],
             contacts: list[tuple[str, str | None, int]] = ()) -> int:
    acct = conn.execute("INSERT INTO account (key, name, currency, created_at, updated_at) VALUES (?, ?, ?, 'x', 'x')",
                        (key, name, currency)).lastrowid
    for number, due, minor in invoices:
        conn.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor,"
                     " created_at) VALUES (?, ?, '2025-12-01', ?, ?, ?, 'x')", (acct, number, due, currency, minor))
    for name_, role, primary in contacts:
        conn.execute("INSERT INTO contact (account_id, name, role, is_primary, created_at) VALUES (?, ?, ?, ?, 'x')",
                     (acct, name_, role, primary))
    return acct


@pytest.fixture
def book(db, db_path):
    """A001 (USD, two contacts, the primary sorts last by name), A002 (JPY), A003 (no contacts),
    and the hostile names K000-K004 (each its own contact)."""
    conn = db.connection()
    with db.atomic():
        _account(conn, "A001", "Acme Pte Ltd", "USD", [("INV-1", "2026-01-31", 12345), ("INV-2", "2026-04-30", 5000)],
                 [("Anna Other", "sales", 0), ("Zed Payables", "AP", 1)])
        _account(conn, "A002", "Tanaka KK", "JPY", [("J-1", "2026-01-15", 120000)], [("Tanaka-san", None, 1)])
        _account(conn, "A003", "Nobody Ltd", "USD", [("N-1", "2026-02-01", 990)])
    fill(db, HOSTILE)
    db.close()
    return db_path


def make_app(path, config: Config | None = None) -> ArcollectApp:
    """The app, with every notice it shows kept in `app.notices` (toasts wrap their text)."""
    app = ArcollectApp(path, TODAY, config or Config(user="tester"), welcome=False)
    app.notices = []
    shown = app.notify

    def notify(message, **kwargs):
        app.notices.append(str(message))
        return shown(message, **kwargs)

    app.notify = notify
    return app


async def settle(app, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def open_form(app, pilot, key: str) -> LogCallScreen:
    await settle(app, pilot)
    await pilot.press("5")                                      # every account
    await settle(app, pilot)
    assert app.screen.query_one(QueueTable).move_to_key(key)
    await pilot.press("c")
    await settle(app, pilot)
    assert isinstance(app.screen, LogCallScreen)
    return app.screen


async def type_into(app, pilot, field: str, text: str) -> None:
    app.screen.set_focus(app.screen.query_one(f"#{field}"))
    await pilot.press("home", "ctrl+k", *text)
    await pilot.pause()


def audit_count(path) -> int:
    db = connect(path)
    try:
        return db.connection().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        db.close()


def detail(path, key: str):
    db = connect(path)
    try:
        return account_detail(db, key, TODAY, policy=Policy())
    finally:
        db.close()


def status(app) -> str:
    return str(app.screen.query_one("#lc-status").render())


# ------------------------------------------------------------------------------------ the form

async def test_c_opens_the_form_on_the_highlighted_account_with_the_keyboard_on_the_outcome(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "A001")
        assert form.account_key == "A001"
        assert app.focused is form.query_one("#outcome", Choice)
        text = visible_text(app)
        assert "Log a call" in text and "Acme Pte Ltd" in text and "USD 123.45 past due" in text
        for key, label in zip("12345678", ["No answer", "Voicemail", "Reached", "Promise to pay", "Refused",
                                          "Dispute", "Wrong contact", "Says paid"]):
            assert f"{key} {label}" in text
        # the contacts, primary first, then the choices without a contact on file
        contact = form.query_one("#contact", Choice)
        assert [o.value for o in contact.options][:2] == ["Zed Payables", "Anna Other"]
        assert contact.value == "Zed Payables"
        assert form.query_one("#channel", Choice).value == "call"


async def test_the_common_case_is_three_keys_c_1_ctrl_s(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(app, pilot, "A001")
        before = audit_count(book)
        await pilot.press("1", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one(QueueTable).cursor_key == "A001"   # the reload kept the cursor
        assert audit_count(book) == before + 1
        activity = detail(book, "A001").activities[0]
        assert (activity.outcome, activity.channel, activity.contact, activity.follow_up_on, activity.user) == (
            "no_answer", "call", "Zed Payables", TODAY + dt.timedelta(days=2), "tester")
        assert app.notices[-1] == "A001: no answer logged; follow up Wed 4 Mar 2026, in 2 days"


async def test_ctrl_s_before_the_account_has_loaded_saves_when_it_has(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        app.screen.query_one(QueueTable).move_to_key("A002")
        await pilot.press("c", "2", "ctrl+s")                    # no waiting between the keys
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        activity = detail(book, "A002").activities[0]
        assert (activity.outcome, activity.contact, activity.follow_up_on) == (
            "voicemail", "Tanaka-san", TODAY + dt.timedelta(days=2))


BURST_CHARACTERS = {"tab": "\t", "shift+tab": None, "ctrl+s": None, "ctrl+n": None}


@pytest.mark.parametrize("keys, outcome, note, follow_up, pay_by", [
    ("c 1 ctrl+s", "no_answer", None, dt.date(2026, 3, 4), None),
    ("c 4 tab f r i ctrl+s", "promise", None, dt.date(2026, 3, 6), dt.date(2026, 3, 6)),
    ("c 3 tab tab tab tab h e l l o ctrl+s", "reached", "hello", dt.date(2026, 3, 9), None),
    ("c 4 tab f r i shift+tab 6 tab + 1 0 d ctrl+s", "dispute", None, dt.date(2026, 3, 12), None),
])
async def test_keys_sent_in_one_burst_land_where_they_were_meant(book, keys, outcome, note, follow_up, pay_by):
    """As a terminal delivers fast typing or `tmux send-keys c 4 Tab fri C-s`: all the keys are
    queued before the first is handled (the form is not even on screen when the `4` comes)."""
    from textual import events

    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        app.screen.query_one(QueueTable).move_to_key("A001")
        for key in keys.split():
            app.post_message(events.Key(key, BURST_CHARACTERS.get(key, key)))
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        d = detail(book, "A001")
        a = d.activities[0]
        assert (a.outcome, a.note, a.follow_up_on) == (outcome, note, follow_up)
        assert (d.promises[0].pay_by if d.promises else None) == pay_by


async def test_the_follow_up_follows_the_outcome_until_the_collector_edits_it(book):
    config = Config(user="tester", policy=Policy(follow_up_days=FollowUpDays(reached=10, refused=0)))
    app = make_app(book, config)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "A001")
        follow_up = form.query_one("#follow-up")
        await pilot.press("1")
        assert follow_up.value == "2026-03-04"
        await pilot.press("3")
        assert follow_up.value == "2026-03-12"                   # the config's reached = 10
        await pilot.press("5")
        assert follow_up.value == "2026-03-02"                   # refused = 0: today
        await pilot.press("0")
        assert follow_up.value == ""                             # "other" proposes none
        await type_into(app, pilot, "follow-up", "fri")
        assert "Fri 6 Mar 2026, in 4 days" in str(form.query_one("#follow-up-hint").render())
        form.set_focus(form.query_one("#outcome"))
        await pilot.press("1")
        assert follow_up.value == "fri"                          # edited: kept
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert detail(book, "A001").activities[0].follow_up_on == dt.date(2026, 3, 6)


async def test_a_promise_defaults_to_the_overdue_amount_and_follows_up_on_its_date(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "A001")
        assert not form.query_one("#pay-by-row").display
        await pilot.press("4")
        assert form.query_one("#pay-by-row").display and form.query_one("#amount-row").display
        assert form.query_one("#amount").value == "123.45"       # INV-1 is past due, INV-2 not yet
        await pilot.press("tab")
        assert app.focused is form.query_one("#pay-by")           # the date comes first: it always needs typing
        await pilot.press(*"+1w")
        await pilot.pause()
        assert form.query_one("#follow-up").value == "2026-03-09"   # promise: follow up on its date
        await type_into(app, pilot, "note", "will pay by wire")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        d = detail(book, "A001")
        promise = d.promises[0]
        assert (promise.amount, promise.currency, promise.pay_by, promise.invoices) == (
            Decimal("123.45"), "USD", dt.date(2026, 3, 9), ("INV-1",))
        assert d.activities[0].note == "will pay by wire" and d.activities[0].outcome == "promise"
        assert "promise of USD 123.45 by 2026-03-09" in app.notices[-1]


async def test_a_jpy_promise_in_whole_yen(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "A002")
        await pilot.press("4")
        assert form.query_one("#amount").value == "120000"
        await type_into(app, pilot, "amount", "60,000")
        await type_into(app, pilot, "pay-by", "eom")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        promise = detail(book, "A002").promises[0]
        assert (promise.amount, promise.currency, promise.pay_by) == (Decimal(60000), "JPY", dt.date(2026, 3, 31))


@pytest.mark.parametrize("key, outcome, fields, says", [
    ("A001", None, {}, "Outcome: choose one (keys 1-8)"),
    ("A001", "1", {"follow-up": "next week"}, "Follow-up: 'next week' is not a date: expected"),
    ("A001", "1", {"follow-up": "2026-02-30"}, "Follow-up: '2026-02-30' is not a real date"),
    ("A001", "1", {"follow-up": "2026-03-01"}, "Follow-up: 2026-03-01 is before today (2026-03-02)"),
    ("A001", "1", {"follow-up": "3/4/2026"}, "could be day-first or month-first"),
    ("A001", "4", {}, "Pay by: missing: a promise needs the date it will be paid by"),
    ("A001", "4", {"pay-by": "yesterday"}, "Pay by: 'yesterday' is not a date"),
    ("A001", "4", {"pay-by": "-1d"}, "Pay by: 2026-03-01 is before today"),
    ("A001", "4", {"pay-by": "fri", "amount": "abc"}, "Amount: 'abc' is not an amount"),
    ("A001", "4", {"pay-by": "fri", "amount": "12.345"}, "Amount: '12.345' has 3 decimal places; USD has 2"),
    ("A001", "4", {"pay-by": "fri", "amount": "0"}, "Amount: 0: expected an amount above zero"),
    ("A001", "4", {"pay-by": "fri", "amount": ""}, "Amount: missing: a promise needs the amount, in USD"),
    ("A001", "4", {"pay-by": "fri", "amount": "10 EUR"}, "is in EUR, but the row's currency is USD"),
    ("A002", "4", {"pay-by": "fri", "amount": "1200.5"}, "Amount: '1200.5' has 1 decimal place; JPY has 0"),
])
async def test_each_validation_error_blocks_saving_and_says_why(book, key, outcome, fields, says):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, key)
        before = audit_count(book)
        if outcome:
            await pilot.press(outcome)
        for field, text in fields.items():
            await type_into(app, pilot, field, text)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form                                  # still open, nothing lost
        assert audit_count(book) == before
        assert "Not saved: " in status(app) and says in status(app)
        assert says in visible_text(app)
        await pilot.press("ctrl+n")                                # save and next is blocked too
        await settle(app, pilot)
        assert app.screen is form and audit_count(book) == before


async def test_while_typing_a_wrong_value_shows_at_once_and_a_missing_one_is_a_to_do(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "A001")
        assert status(app) == "Choose the outcome: keys 1-8"
        await pilot.press("4")
        assert status(app) == "To save, fill in: pay by"
        await type_into(app, pilot, "pay-by", "fr")
        assert "'fr' is not a date" in str(form.query_one("#pay-by-hint").render())
        assert form.query_one("#pay-by").has_class("-problem")
        await pilot.press("i")
        await pilot.pause()
        assert "Fri 6 Mar 2026, in 4 days" in str(form.query_one("#pay-by-hint").render())
        assert status(app).startswith("Ready")


async def test_a_refusal_by_the_service_keeps_the_form_and_says_why(book, monkeypatch):
    """What the form cannot see (a contact removed meanwhile) the service refuses: shown, kept."""
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "A001")
        db = connect(book)
        with db.atomic():
            db.connection().execute("DELETE FROM contact WHERE name = 'Zed Payables'")
        db.close()
        before = audit_count(book)
        await pilot.press("1", "ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and audit_count(book) == before
        assert "Not saved: --contact: 'Zed Payables': not a contact of A001" in status(app)
        assert not form.saving


async def test_escape_cancels_and_saves_nothing(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(app, pilot, "A001")
        before = audit_count(book)
        await pilot.press("4")
        await type_into(app, pilot, "pay-by", "fri")
        await pilot.press("escape")                                # from inside a text field too
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert audit_count(book) == before
        assert detail(book, "A001").activities == () and detail(book, "A001").promises == ()


async def test_save_and_next_from_the_worklist_opens_the_next_account(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        queue = app.screen
        table = queue.query_one(QueueTable)
        first = table.cursor_key
        following = queue.neighbour(first, 1)
        assert following is not None
        await pilot.press("c", "3", "ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_key == following
        assert detail(book, first).activities[0].outcome == "reached"
        assert all(a.outcome != "reached" for a in detail(book, following).activities)   # only the first
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is queue and table.cursor_key == following        # the cursor moved with it


async def test_save_and_next_on_the_last_account_says_so(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        table.move_cursor(table.row_count - 1)
        last = table.cursor_key
        await pilot.press("c", "1", "ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert detail(book, last).activities[0].outcome == "no_answer"
        assert app.notices[-1] == "That was the last account of the queue."


async def test_on_an_account_c_logs_it_and_save_and_next_moves_on(book, monkeypatch):
    # The account screen's `current_account_key` is another change; the form only needs the method.
    monkeypatch.setattr(AccountScreen, "current_account_key", lambda self: self.account_key, raising=False)
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        queue = app.screen
        first = queue.query_one(QueueTable).cursor_key
        second = queue.neighbour(first, 1)
        third = queue.neighbour(second, 1)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.account_key == first
        loads = queue._request
        await pilot.press("c", "2", "ctrl+s")                     # save: the account reloads in place
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_key == first
        assert app.screen.detail.activities[0].outcome == "voicemail"
        await pilot.press("c", "7", "ctrl+n")                     # save and next: n
        await settle(app, pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_key == second
        assert detail(book, first).activities[0].outcome == "wrong_contact"
        await pilot.press("n")                                    # the queue's order as it was shown holds
        await settle(app, pilot)
        assert app.screen.account_key == third
        assert queue._request == loads                            # not reloaded under the account screen
        await pilot.press("escape")                               # the worklist reloads when shown again
        await settle(app, pilot)
        assert app.screen is queue and queue._request == loads + 1


async def test_other_outcomes_channels_and_a_new_contact_name(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(app, pilot, "A003")
        contact = form.query_one("#contact", Choice)
        assert [o.label for o in contact.options] == ["nobody named", "new name…"]   # no contacts on file
        await pilot.press("9")                                     # sent
        form.set_focus(form.query_one("#channel"))
        await pilot.press("right")                                 # email
        form.set_focus(contact)
        await pilot.press("right")                                 # new name…
        await pilot.pause()
        assert form.query_one("#new-contact-row").display
        assert status(app) == "To save, fill in: new name"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Not saved: New name: missing: type the name" in status(app)
        await type_into(app, pilot, "new-contact", "Jo Newperson")
        await type_into(app, pilot, "note", "sent the statement")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        a = detail(book, "A003").activities[0]
        assert (a.channel, a.outcome, a.contact, a.follow_up_on) == ("email", "sent", None, None)
        assert a.note == "Contact: Jo Newperson (new). sent the statement"


async def test_hostile_names_and_notes_are_shown_and_stored_literally(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        for i, name in enumerate(HOSTILE[:4]):
            form = await open_form(app, pilot, f"K{i:03d}")
            text = visible_text(app)
            assert text.count(name) >= 2                           # the title and the contact chip
            await pilot.click("#contact", offset=(2, 0))           # a click on [@click=...] runs nothing
            await type_into(app, pilot, "note", "[bold]x [/] [@click=app.quit]y[/]")
            form.set_focus(form.query_one("#outcome"))
            await pilot.press("3", "ctrl+s")
            await settle(app, pilot)
            assert app.is_running and isinstance(app.screen, QueueScreen)
            a = detail(book, f"K{i:03d}").activities[0]
            assert (a.contact, a.note) == (name, "[bold]x [/] [@click=app.quit]y[/]")
        # control characters are stripped from what the form shows
        form = await open_form(app, pilot, "K004")
        assert "Evil[31mRed Corp" in visible_text(app) and "\x1b" not in visible_text(app)
        await pilot.press("escape")


async def test_c_is_in_help_and_palette_and_absent_where_there_is_no_account(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert {k.description: k.key for k in app.screen.keys}["Log call"] == "c"
        assert "logs a call on the current account" in visible_text(app)
        await pilot.press("c")                                     # no account here: nothing opens
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, LogCallScreen)
        await pilot.press("c")                                     # not a second form on top
        await pilot.pause()
        assert app.screen is form
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {k.description: k.key for k in app.screen.keys}
        assert described["Save"] == "^s" and described["Save and next"] == "^n"
        assert described["Cancel"] == "esc" and described["No answer"] == "1" and described["Says paid"] == "8"
        assert "Log call" not in described


async def test_a_what_if_date_logs_nothing(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.set_what_if(dt.date(2026, 2, 15))
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert "leave the what-if date first" in app.notices[-1]


async def test_typing_in_the_filter_is_not_a_call(book):
    app = make_app(book)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", "a", "c", "m")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one("#filter").value == "acm"


def test_snapshot_of_the_call_form_at_80x24(book, snap_compare):
    app = make_app(book)

    async def run_before(pilot) -> None:
        await open_form(app, pilot, "A001")
        await pilot.press("4", "tab", *"fri")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


# ------------------------------------------------------------------------------------ the service

def test_call_form_gives_contacts_currency_and_the_undisputed_overdue(book):
    db = connect(book)
    try:
        conn = db.connection()
        with db.atomic():
            acct = conn.execute("SELECT id FROM account WHERE key = 'A001'").fetchone()[0]
            inv = conn.execute("SELECT id FROM invoice WHERE number = 'INV-1'").fetchone()[0]
            conn.execute("INSERT INTO dispute (account_id, invoice_id, currency, amount_minor, reason, opened_on,"
                         " user, created_at) VALUES (?, ?, 'USD', 2345, 'pricing', '2026-02-10', 't', 'x')",
                         (acct, inv))
            # a second currency with more open: the account's own currency still leads
            conn.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor,"
                         " created_at) VALUES (?, 'E-1', '2025-12-01', '2026-01-01', 'EUR', 999999, 'x')", (acct,))
        form = call_form(db, "A001", TODAY, policy=Policy())
        assert (form.key, form.name, form.currency, form.stage_label) == ("A001", "Acme Pte Ltd", "USD", "Warning due")
        assert form.overdue == Decimal("100.00")                 # 123.45 past due, 23.45 of it disputed
        assert form.balance == Decimal("173.45") and form.suggested_promise == Decimal("100.00")
        assert [(c.name, c.role, c.primary) for c in form.contacts] == [
            ("Zed Payables", "AP", True), ("Anna Other", "sales", False)]
        # the promise is written in the currency the form checked against
        result = log_activity(db, "A001", today=TODAY, user="t", policy=Policy(), outcome="promise",
                              promise_amount=form.suggested_promise, promise_on=TODAY)
        assert result.promise_currency == form.currency

        jpy = call_form(db, "A002", TODAY, policy=Policy())
        assert (jpy.currency, jpy.overdue, str(jpy.suggested_promise)) == ("JPY", Decimal(120000), "120000")
        nothing_due = call_form(db, "A001", dt.date(2025, 12, 15), policy=Policy())   # before any due date
        assert nothing_due.overdue == 0 and nothing_due.suggested_promise == nothing_due.balance == Decimal("173.45")
        with pytest.raises(InputError, match="no account has this key"):
            call_form(db, "NOPE", TODAY, policy=Policy())
    finally:
        db.close()


def test_call_form_for_an_account_open_only_in_another_currency(db):
    conn = db.connection()
    with db.atomic():
        _account(conn, "M1", "Multi", "USD", [])
        acct = conn.execute("SELECT id FROM account WHERE key = 'M1'").fetchone()[0]
        for number, cur, minor in [("S-1", "SGD", 5000), ("E-1", "EUR", 7000)]:
            conn.execute("INSERT INTO invoice (account_id, number, invoice_date, due_date, currency, amount_minor,"
                         " created_at) VALUES (?, ?, '2025-12-01', '2026-01-01', ?, ?, 'x')",
                         (acct, number, cur, minor))
    form = call_form(db, "M1", TODAY, policy=Policy())
    assert form.currency == "EUR"                                 # the first open currency by code
    result = log_activity(db, "M1", today=TODAY, user="t", policy=Policy(), outcome="promise",
                          promise_amount=form.suggested_promise, promise_on=TODAY)
    assert result.promise_currency == "EUR" and result.promise_amount == Decimal("70.00")


def test_the_outcome_keys_are_the_contracts_order():
    from arcollect_tui.screens.log_call import OUTCOME_KEYS

    assert tuple(OUTCOME_KEYS[str(i)] for i in range(1, 9)) == OUTCOMES
