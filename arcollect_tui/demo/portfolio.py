"""The demo portfolio's generator: accounts, contacts, a year of invoices and their history.

Why it is built this way:

* **Deterministic.**  Everything comes from one seeded `random.Random` drawn in a fixed order,
  and every date is relative to *today* (`created_at` stamps too), so the same N and seed give
  the same rows.  Ids are assigned here, counting on from the tables' current maxima, which lets
  allocations, promises and disputes point at their rows without asking the database.
* **Consistent by construction, then checked.**  Each account gets a *behaviour* (prompt, slow,
  chronic late, disputer, distressed) and a *target stage* of the collection policy.  The target
  fixes the account's oldest open undisputed invoice (its "anchor", due `today - dpd`); older
  invoices are paid or in dispute, so the anchor alone sets today's dpd and keeps the account
  at least that far past due at every earlier date.  Warnings, suspensions and referrals are
  dated from that, and each one is verified against the account's real dpd at its date before
  it is kept (a warning only at dpd >= 30, a suspension only within a warning's validity and
  after its notice period, a referral only after a suspension at dpd >= 90).  The policy's
  numbers are read from the config, so a custom policy still gets every stage.
* **Money never touches a float.**  Log-normal amounts come from a table of
  `median * exp(z)` computed with `Decimal`, where `z` is a scaled Binomial(256, 1/2) draw
  (the bit count of 256 random bits, a close normal approximation), interpolated with integer
  arithmetic.  Amounts are integer minor units of the account's currency (JPY whole yen).
  Floats only pick among choices and dates.
* **Plain tuples.**  Rows are tuples in the column order of `INSERTS`, ready for executemany;
  `settled_on` and the allocations are computed here, never with per-row SQL.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache
from itertools import accumulate, chain
from typing import Callable

from arcollect_tui.config import Policy
from arcollect_tui.demo import words as W
from arcollect_tui.money import exponent

STAGES = ("current", "reminder", "follow_up", "warning_due", "warned", "suspension_due", "suspended", "referred")
BEHAVIOURS = ("prompt", "slow", "chronic_late", "disputer", "distressed")
CHUNK = 1000  # accounts per emitted chunk: bounded memory, same rows

# Weights, kept cumulative for random.choices (cum_weights saves summing them every draw).
_BEHAVIOUR_CUM = tuple(accumulate((34, 26, 16, 10, 14)))
_STAGE_MIX: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "prompt": (("current", "reminder"), (85, 15)),
    "slow": (("current", "reminder", "follow_up", "warning_due"), (30, 35, 30, 5)),
    "chronic_late": (("current", "reminder", "follow_up", "warning_due", "warned", "suspension_due", "suspended"),
                     (5, 10, 25, 25, 15, 12, 8)),
    "disputer": (("current", "reminder", "follow_up", "warning_due"), (35, 25, 20, 20)),
    "distressed": (("warning_due", "warned", "suspension_due", "suspended", "referred"), (20, 10, 15, 30, 25)),
}
_STAGE_CUM = {k: (names, tuple(accumulate(w))) for k, (names, w) in _STAGE_MIX.items()}
# The behaviour of the accounts that guarantee every stage is present.
_FORCED_BEHAVIOUR = {"current": "prompt", "reminder": "slow", "follow_up": "slow", "warning_due": "chronic_late",
                     "warned": "chronic_late", "suspension_due": "chronic_late", "suspended": "distressed",
                     "referred": "distressed"}
# Days after the due date that a behaviour pays (inclusive range).
_DELAY = {"prompt": (-12, 2), "slow": (0, 28), "chronic_late": (12, 55), "disputer": (-5, 25),
          "distressed": (20, 80)}
_CALL_OUTCOMES = ("no_answer", "voicemail", "reached", "wrong_contact", "paid_claimed", "refused")
_CALL_CUM = tuple(accumulate((30, 25, 30, 5, 7, 3)))
_DISPUTE_REASONS = tuple(W.DISPUTE_REASONS)

# Rough exchange rates to USD, only to scale amounts per currency.
_FX = {"USD": Decimal("1"), "EUR": Decimal("0.92"), "SGD": Decimal("1.34"), "AUD": Decimal("1.52"),
       "JPY": Decimal("150")}
_MEDIAN_USD = Decimal("900")
_SIZES = (("smb", 1, 50), ("mid-market", 4, 35), ("enterprise", 15, 15))
_CREDIT_LIMIT_USD = {"smb": 25_000, "mid-market": 100_000, "enterprise": 500_000}
_TABLE_SIZE = 258  # Binomial(256) outcomes 0..256, plus one for interpolation


@dataclass(frozen=True)
class Job:
    """Everything the generator needs (picklable, so that a child process can run it)."""

    today: dt.date
    accounts: int
    seed: int
    policy: Policy
    user: str
    batch_id: int
    ids: dict[str, int]   # the tables' current max(id): new rows count on from there
    max_variables: int    # the connection's SQLITE_LIMIT_VARIABLE_NUMBER (for the batches)


Emit = Callable[[dict[str, list[tuple]], int], None]


def generate(job: Job, emit: Emit) -> dict[str, int]:
    """Generate every account in order; hand each chunk to `emit` as insert batches (see
    `flatten`) with the number of accounts done so far; return the row counts."""
    builder = _Builder(job)
    for start in range(0, job.accounts, CHUNK):
        stop = min(start + CHUNK, job.accounts)
        for index in range(start, stop):
            builder.account(index)
        emit({table: flatten(rows, job.max_variables) for table, rows in builder.take().items() if rows}, stop)
    return builder.counts


def flatten(rows: list[tuple], max_variables: int) -> list[tuple]:
    """Rows as the parameters of multi-row inserts: flat tuples of up to 1,000 rows each.

    Done where the rows are made (in the child, for big builds), so that the inserting side
    unpickles a few big tuples instead of many small ones and has no per-row Python work.
    """
    per = max(1, min(1000, max_variables // len(rows[0])))
    flat = chain.from_iterable
    return [tuple(flat(rows[i:i + per])) for i in range(0, len(rows), per)]


class _Random(random.Random):
    """`random.Random` with one-draw `randint`, `randrange` and `choice`.

    The standard ones reject-sample with `getrandbits` through several Python calls (about half
    a microsecond each), and 100,000 accounts call them about four million times.  Scaling one
    `random()` is as deterministic, and uniform enough for picking dates and choices (amounts
    come from integer tables, see `_amount_table`).
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq):  # type: ignore[override]
        return seq[int(self.random() * len(seq))]


# --------------------------------------------------------------------------------------------
# Amounts


@lru_cache(maxsize=None)
def _amount_table(currency: str) -> tuple[int, ...]:
    """Minor units of `median * exp((k - 128) / 8)` for k = 0..257 (sigma 1, Decimal only)."""
    exp = exponent(currency)
    unit = 10 ** exp
    median = _MEDIAN_USD * _FX[currency]
    out = []
    with localcontext() as ctx:
        ctx.prec = 30
        for k in range(_TABLE_SIZE):
            value = median * (Decimal(k - 128) / 8).exp()
            minor = int(value.scaleb(exp).to_integral_value())
            out.append(max(minor, unit))  # at least one major unit
    return tuple(out)


def _usd_minor(currency: str, usd: int) -> int:
    """A whole-dollar USD amount in `currency`'s minor units (for limits and thresholds)."""
    return int((Decimal(usd) * _FX[currency]).scaleb(exponent(currency)).to_integral_value())


def _fmt(minor: int, exp: int) -> str:
    """`1,234.50` from integer minor units, without leaving the integers."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if exp == 0:
        return f"{sign}{minor:,}"
    major, rest = divmod(minor, 10 ** exp)
    return f"{sign}{major:,}.{rest:0{exp}d}"


@lru_cache(maxsize=None)
def _phone_pattern(template: str) -> tuple[str, int]:
    """`"+65 6### ####"` -> (`"+65 6%s%s%s %s%s%s%s"`, 7): filled with `%`, much cheaper than format()."""
    pattern = template.replace("%", "%%").replace("#", "%s").replace("@", "%s")
    return pattern, template.count("#") + template.count("@")


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """ASCII letters and digits only, lower case: `Ōta Shōji` -> `otashoji`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


@lru_cache(maxsize=65536)
def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    parts, word = [], []
    for ch in ascii_text:
        if ch.isalnum():
            word.append(ch)
        elif ch == "'":
            continue
        elif word:
            parts.append("".join(word))
            word = []
    if word:
        parts.append("".join(word))
    return "-".join(parts) or "company"


# --------------------------------------------------------------------------------------------
# The builder


class _Inv:
    """One invoice while its account is generated (ordinals for dates)."""

    __slots__ = ("id", "number", "date", "due", "amount", "pay", "partial", "credits", "allocs",
                 "settled", "dfrom", "dto", "locked", "anchor")

    def __init__(self, id_: int, number: str, date: int, due: int, amount: int):
        self.id = id_
        self.number = number
        self.date = date
        self.due = due
        self.amount = amount
        self.pay: int | None = None          # the date the rest is paid (None: open today)
        self.partial: list[tuple[int, int]] = []   # (date, amount) paid before the rest
        self.credits: list[tuple[int, int, int]] = []  # (date, amount, credit note id)
        self.allocs: list[tuple[int, int]] = []    # (date, amount), every allocation
        self.settled: int | None = None
        self.dfrom: int | None = None        # in dispute from this date ...
        self.dto: int | None = None          # ... until this one (None: still open)
        self.locked = False                  # payment fixed by a dispute or by history
        self.anchor = False


class _Builder:
    """Makes one account at a time (`account(index)`), keeping rows until `take()`."""

    def __init__(self, job: Job):
        self.rng = rng = _Random(job.seed)
        today = job.today
        total = job.accounts
        # Dates are day numbers counted from `_base` (today - 3000 days), so that a date's ISO
        # text is one list index away: `self.iso[day]`.
        self._base = today.toordinal() - 3000
        self.T = 3000
        self.p = job.policy
        self.user = job.user
        self.batch = job.batch_id
        self.seed = job.seed
        self.stamp = f"{today.isoformat()}T00:00:00Z"
        days = [dt.date.fromordinal(self._base + n) for n in range(6000)]
        self.iso = [d.isoformat() for d in days]
        self._month_end = []
        for d in days:
            nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
            self._month_end.append(nxt.toordinal() - 1 - self._base)
        self.times = [f"T{h:02d}:{m:02d}:00Z" for h in range(1, 10) for m in (0, 10, 20, 30, 40, 50)]
        self.ids = dict(job.ids)
        self.counts = {k: 0 for k in COUNTS}
        self.rows: dict[str, list[tuple]] = {k: [] for k in INSERTS}

        # Stage coverage: whatever the draw, each stage has an account (when N allows).
        slots = rng.sample(range(total), min(total, len(STAGES)))
        self.forced = {slot: STAGES[i] for i, slot in enumerate(slots)}
        self.names: set[str] = set()
        self.domains: dict[str, int] = {}
        self.inv_seq = 0
        self.approval_seq = 0
        self.dispute_seq = 0
        self.pending_plan_done = False
        self.contact_name = ""  # the current account's primary contact, for notes
        self.region_cum = []
        acc = 0
        for region in W.REGIONS:
            acc += region.weight
            self.region_cum.append(acc)

    # -- helpers ------------------------------------------------------------------------------

    def _id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def d(self, day: int) -> str:
        return self.iso[day]

    def _between(self, lo: int, hi: int) -> int:
        return lo if hi <= lo else self.rng.randint(lo, hi)

    def _add_months(self, number: int, months: int) -> int:
        day = dt.date.fromordinal(number + self._base)
        y, m = divmod(day.month - 1 + months, 12)
        year, month = day.year + y, m + 1
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(year, month, min(day.day, last)).toordinal() - self._base

    def _approval_ref(self, ordinal: int) -> str:
        self.approval_seq += 1
        return f"APR-{self.d(ordinal)[:4]}-{self.approval_seq:05d}"

    # -- one account --------------------------------------------------------------------------

    def account(self, index: int) -> None:
        rng = self.rng
        T = self.T
        p = self.p
        forced = self.forced.get(index)
        if forced:
            behaviour, target = _FORCED_BEHAVIOUR[forced], forced
        else:
            behaviour = rng.choices(BEHAVIOURS, cum_weights=_BEHAVIOUR_CUM)[0]
            names, weights = _STAGE_CUM[behaviour]
            target = rng.choices(names, cum_weights=weights)[0]
        plan_path = behaviour == "distressed" and not forced and rng.random() < 0.3

        region = W.REGIONS[self._pick_region()]
        country = rng.choice(region.countries)
        cur = country.currency
        exp = exponent(cur)
        size_name, size_mult = self._pick_size()
        acct_id = self._id("account")
        name, domain = self._company(country)
        key = self._key(country, index)
        contacts = self._contacts(acct_id, country, domain)
        primary, self.contact_name = contacts[0]

        terms = rng.choice((30, 30, 30, 45, 60))
        runs = rng.random() < (0.6 if country.code == "JP" else 0.15)  # pays on month-end runs
        method = rng.choice(country.methods)
        table = _amount_table(cur)
        recurring = None
        if rng.random() < 0.5:  # a subscription: the same round amount most months
            unit = 10 * 10 ** exp
            recurring = max(unit, self._amount(table) * size_mult // unit * unit)

        # Today's dpd by target stage (policy numbers, so a custom policy still gets every stage).
        dpd, ladder = self._target_dpd(target, behaviour)

        n = rng.randint(7, 13)
        rand = rng.random
        dates = [T - int(rand() * 366) for _ in range(n)]  # two invoices on one day happen
        if dpd > 0:
            dates[rng.randrange(n)] = T - dpd - terms
        dates.sort()
        invs: list[_Inv] = []
        anchor_due = T - dpd if dpd > 0 else None
        anchor_done = False
        for date in dates:
            if recurring is not None and rng.random() < 0.75:
                amount = recurring
            else:
                amount = self._amount(table) * size_mult
            v = _Inv(self._id("invoice"), self._invoice_number(country, date), date, date + terms, amount)
            if anchor_due is not None and not anchor_done and v.due == anchor_due:
                v.anchor = anchor_done = True
            invs.append(v)

        events: list[tuple[str, int, dict]] = []   # (kind, date, extras) of the suspension timeline
        acts: list[list] = []                      # activity rows in the making
        promises: list[tuple] = []
        disputes: list[tuple] = []
        cnotes: list[tuple[int, str, int, int, str]] = []   # (id, number, date, amount, description)
        plan_info = None
        anchor = None if plan_path else next((v for v in invs if v.anchor), None)

        if plan_path:
            plan_info = self._plan_payments(invs, terms)
        else:
            self._disputes(invs, disputes, cnotes, behaviour, acct_id, cur, exp, acts, primary)
            history = None
            if behaviour in ("chronic_late", "slow") and target in ("current", "reminder", "follow_up") \
                    and rng.random() < 0.3:
                history = self._reinstated_history(invs)
            self._payments(invs, behaviour, runs, anchor, dpd)
            if anchor is not None and behaviour in ("slow", "chronic_late", "distressed") and dpd >= 5 \
                    and rng.random() < 0.35:
                share = rng.randint(20, 60)
                paid = anchor.amount * share // 100
                if 0 < paid < anchor.amount:
                    anchor.partial.append((rng.randint(anchor.due + 1, T), paid))
            if rng.random() < 0.03:
                self._goodwill_credit(invs, cnotes)
            if history is not None:
                events.extend(history)
            events.extend(ladder)

        payments = self._build_payments(invs, plan_info)
        for v in invs:
            v.settled = _settled(v.allocs, v.amount)

        # Verify the suspension timeline against the real dpd at each date; drop what fails.
        events = self._verified(events, invs)
        if plan_path and plan_info is not None:
            warning = plan_info["created"] - rng.randint(5, 20)
            if T - warning > p.warning_valid_days and _dpd(invs, warning) >= p.warning_from_dpd:
                events = [("warning", warning, {})]

        # Account, contacts, invoices.
        distress = behaviour == "distressed"
        distress_note = rng.choice(W.DISTRESS_NOTES) if distress else None
        risk = {"prompt": "low", "slow": "medium", "disputer": "medium", "chronic_late": "high",
                "distressed": "high"}[behaviour]
        self.rows["account"].append((
            acct_id, key, name, cur, country.code, size_name, rng.choice(W.SALES_OWNERS),
            _usd_minor(cur, _CREDIT_LIMIT_USD[size_name]), self._phone(country),
            f"{rng.choice(W.AP_MAILBOXES)}@{domain}", self._address(country), risk,
            f"001{index:012d}", int(distress), distress_note, self.stamp, self.stamp, self.batch,
        ))
        with_po = size_name != "smb"
        for v in invs:
            self.rows["invoice"].append((
                v.id, acct_id, v.number, "invoice", self.d(v.date), self.d(v.due), cur, v.amount,
                f"4500{rng.randrange(1_000_000):06d}" if with_po and rng.random() < 0.6 else None,
                f"Subscription {self.d(v.date)[:7]}" if v.amount == recurring else "Services and usage",
                self.stamp, self.batch, self.d(v.settled) if v.settled is not None else None,
            ))
        for cn_id, number, date, amount, description in cnotes:
            # Applied in full on its own date, so settled then.
            self.rows["invoice"].append((cn_id, acct_id, number, "credit_note", self.d(date), self.d(date), cur,
                                         -amount, None, description, self.stamp, self.batch, self.d(date)))
        self.counts["invoices"] += len(invs)
        self.counts["credit_notes"] += len(cnotes)

        ref = _fold(method)[:3].upper()
        for pid, date, amount, allocs in payments:
            self.rows["payment"].append((
                pid, acct_id, self.d(date), cur, amount, f"{ref}{pid:08d}", method,
                f"demo:{self.seed}:{pid:09d}", self.stamp, self.batch,
            ))
        self.counts["payments"] += len(payments)

        # Disputes (their credit notes are in place now).
        self.rows["dispute"].extend(disputes)
        self.counts["disputes"] += len(disputes)

        # Suspension events, with their activities.
        self._events_rows(acct_id, events, invs, acts, primary)

        # Promises, plan, escalations, the collector's calls.
        if plan_info is not None:
            self._plan_rows(acct_id, cur, exp, plan_info, acts, primary)
        else:
            self._promises(invs, payments, anchor, target, behaviour, acts, promises, cur, exp, primary)
        self._escalations(acct_id, behaviour, target, invs, anchor, plan_info, disputes)
        self._call_history(invs, acts, contacts, exp, cur, anchor, target)
        if distress:
            when = (plan_info["created"] - rng.randint(1, 10)) if plan_info else \
                ((anchor.due + rng.randint(5, 25)) if anchor else T - rng.randint(5, 40))
            acts.append([min(when, T), "note", None, distress_note, None, None])

        # Activities in date order get their ids; promises point at theirs.
        acts.sort(key=lambda a: a[0])
        for a in acts:
            aid = self._id("activity")
            a.append(aid)
            date, channel, outcome, note, follow_up, contact_id = a[0], a[1], a[2], a[3], a[4], a[5]
            self.rows["activity"].append((
                aid, acct_id, contact_id, self.d(date), self.d(date) + self.times[(aid * 7) % len(self.times)],
                channel, outcome, note, self.d(follow_up) if follow_up is not None else None, self.user, self.stamp,
            ))
        self.counts["activities"] += len(acts)
        for made, pay_by, amount, note, act, inv_ids in promises:
            prid = self._id("promise")
            self.rows["promise"].append((prid, acct_id, act[-1], self.d(made), self.d(pay_by), cur, amount, note,
                                         None, self.user, self.stamp))
            for inv_id in inv_ids:
                self.rows["promise_invoice"].append((prid, inv_id))
        self.counts["promises"] += len(promises)
        self.counts["accounts"] += 1

    # -- choices --------------------------------------------------------------------------------

    def _pick_region(self) -> int:
        x = self.rng.randrange(self.region_cum[-1])
        for i, edge in enumerate(self.region_cum):
            if x < edge:
                return i
        return len(self.region_cum) - 1  # pragma: no cover

    def _pick_size(self) -> tuple[str, int]:
        x = self.rng.randrange(100)
        acc = 0
        for name, mult, weight in _SIZES:
            acc += weight
            if x < acc:
                return name, mult
        return _SIZES[-1][0], _SIZES[-1][1]  # pragma: no cover

    def _amount(self, table: tuple[int, ...]) -> int:
        bits = self.rng.getrandbits
        k = bits(256).bit_count()
        lo, hi = table[k], table[k + 1]
        return lo + ((hi - lo) * bits(10) >> 10)

    def _target_dpd(self, target: str, behaviour: str) -> tuple[int, list[tuple[str, int, dict]]]:
        """Today's dpd for the target stage and the timeline events that put it there."""
        rng, T, p = self.rng, self.T, self.p
        b = self._between
        wd, notice, valid = p.warning_from_dpd, p.warning_notice_days, p.warning_valid_days
        if target == "current":
            return 0, []
        if target == "reminder":
            return b(max(1, p.reminder_from_dpd), max(1, p.follow_up_from_dpd - 1)), []
        if target == "follow_up":
            return b(max(1, p.follow_up_from_dpd), max(1, wd - 1)), []
        if target == "warning_due":
            if rng.random() < 0.25:  # an expired warning: it needs a new one
                a = b(valid + 1, valid + 30)
                return max(1, wd) + a + b(0, 20), [("warning", T - a, {})]
            return max(1, wd) + b(0, 90), []
        if target == "warned":
            a = b(0, max(0, notice - 1))
            return max(1, wd) + a + b(0, 25), [("warning", T - a, {})]
        if target == "suspension_due":
            a = b(notice, max(notice, valid - 1))
            return max(1, wd) + a + b(0, 20), [("warning", T - a, {})]
        s = b(0, 60) if target == "suspended" else 0
        r = 0
        if target == "referred":
            r = b(0, 45)
            s = r + b(3, 30)
        gap = b(notice, max(notice, min(valid - 1, notice + 15)))
        a = s + gap
        events = [("warning", T - a, {}), ("suspension", T - s, {})]
        dpd = max(1, wd) + a + b(0, 30)
        if target == "referred":
            dpd = max(p.referral_from_dpd + r, dpd) + b(0, 20)
            events.append(("referral", T - r, {}))
        return dpd, events

    # -- names ----------------------------------------------------------------------------------

    def _company(self, country: W.Country) -> tuple[str, str]:
        rng = self.rng
        for _attempt in range(3):
            prefix = rng.choice(country.prefixes)
            industry = rng.choice(country.industries)
            base = f"{industry} {prefix}" if country.industry_first else f"{prefix} {industry}"
            suffix = rng.choice(country.suffixes)
            if suffix == "Kabushiki Kaisha":
                name = f"{suffix} {base}"
            elif suffix.startswith(","):
                name = base + suffix
            else:
                name = f"{base} {suffix}"
            if name not in self.names:
                break
        else:
            name = f"{name} ({rng.choice(country.branches)})"
            n = 2
            stem = name
            while name in self.names:
                name = f"{stem} {n}"
                n += 1
        if rng.random() < 0.01:
            deco = rng.choice(W.NAME_DECORATIONS)
            other = f"{rng.choice(country.prefixes)} {rng.choice(country.industries)}"
            name = name + deco.format(other=other)
        self.names.add(name)
        slug = _slug(base)
        seen = self.domains.get(slug, 0) + 1
        self.domains[slug] = seen
        domain = f"{slug}.example" if seen == 1 else f"{slug}-{seen}.example"
        return name, domain

    def _key(self, country: W.Country, index: int) -> str:
        """ERP-looking account ids, unique by construction (each index owns three numbers)."""
        rng = self.rng
        num = 100_000 + index * 3 + rng.randrange(3)
        style = rng.randrange(4)
        if country.currency == "EUR" or style == 0:
            return f"{num:010d}"            # SAP KUNNR: ten digits, leading zeros
        if country.code == "JP":
            return f"{num:08d}"
        if country.code == "US":
            return f"C{num}" if style == 1 else f"CUST-{num:07d}"
        return f"{country.code}{num:07d}" if style == 1 else f"{country.code}-{num}"

    def _invoice_number(self, country: W.Country, date: int) -> str:
        self.inv_seq += 1
        g = self.inv_seq
        code = country.code
        if code == "US":
            return f"INV-{g:07d}"
        if country.currency == "EUR":
            return f"009{g:07d}"            # SAP billing document: ten digits
        if code == "JP":
            return f"{self.d(date)[:4]}-{g:07d}"
        return f"{code}{g:08d}"

    def _person(self, country: W.Country) -> tuple[str, str]:
        rng = self.rng
        if country.code == "SG" and rng.random() < 0.3:
            whole = rng.choice(W.SG_WHOLE_NAMES)
            words = whole.split()
            return whole, f"{_fold(words[0])}.{_fold(words[-1])}"
        given, family = rng.choice(country.given), rng.choice(country.family)
        name = f"{family} {given}" if country.family_first else f"{given} {family}"
        return name, f"{_fold(given)}.{_fold(family)}"

    def _phone(self, country: W.Country) -> str:
        pattern, count = _phone_pattern(country.phone)
        digits = f"{self.rng.getrandbits(60):019d}"  # one draw for all the digits
        if "@" in country.phone:
            return pattern % (W.US_AREA_CODES[int(digits[-1]) % len(W.US_AREA_CODES)], *digits[:count - 1])
        return pattern % tuple(digits[:count])

    def _address(self, country: W.Country) -> str:
        rng = self.rng
        street, city = rng.choice(country.streets), rng.choice(country.cities)
        n = rng.randint(1, 250)
        if country.code == "SG":
            return f"{n} {street}, #{rng.randint(2, 40):02d}-{rng.randint(1, 20):02d}, Singapore {rng.randint(18000, 829999):06d}"
        if country.code == "JP":
            return f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)} {street}"
        if country.code == "AU":
            return f"{n} {street}"
        if country.code in ("DE", "NL", "ES", "IT"):
            return f"{street} {n}, {city}"
        if country.code == "FR":
            return f"{n} {street}, {city}"
        return f"{n} {street}, {city}"

    def _contacts(self, acct_id: int, country: W.Country, domain: str) -> list[tuple[int, str]]:
        rng = self.rng
        count = rng.choice((1, 2, 2, 3, 3))
        used: set[str] = set()
        ids = []
        for i in range(count):
            name, local = self._person(country)
            if name in used:
                continue
            used.add(name)
            role = rng.choice(W.ROLES_PRIMARY) if i == 0 else rng.choice(W.ROLES_OTHER)
            email = f"{local}@{domain}" if rng.random() < 0.97 else None
            cid = self._id("contact")
            ids.append((cid, name))
            self.rows["contact"].append((cid, acct_id, name, role, email, self._phone(country), int(i == 0),
                                         None, self.stamp, self.batch))
        self.counts["contacts"] += len(ids)
        return ids

    # -- money movements -----------------------------------------------------------------------

    def _pay_date(self, v: _Inv, behaviour: str, runs: bool) -> int:
        lo, hi = _DELAY[behaviour]
        when = max(v.due + self.rng.randint(lo, hi), v.date + 1)
        if runs:
            when = self._month_end[when]
        return when

    def _payments(self, invs: list[_Inv], behaviour: str, runs: bool, anchor: _Inv | None, dpd: int) -> None:
        """When each invoice is paid.  Older than the anchor: paid by today; the anchor: open."""
        T, rng = self.T, self.rng
        must_before = anchor.due if anchor is not None else T - max(1, self.p.reminder_from_dpd) + 1
        for v in invs:
            if v.locked:
                continue
            if v.anchor:
                v.pay = None
                continue
            when = self._pay_date(v, behaviour, runs)
            if v.due < must_before:
                if when > T:
                    when = rng.randint(min(T, max(v.due, v.date + 1)), T)
                v.pay = when
            else:
                v.pay = when if when <= T else None

    def _disputes(self, invs, disputes, cnotes, behaviour, acct_id, cur, exp, acts, primary) -> None:
        rng, T = self.rng, self.T
        if behaviour == "disputer":
            count = 1 + (rng.random() < 0.4)
        else:
            count = 1 if rng.random() < 0.03 else 0
        for _ in range(count):
            reason = _DISPUTE_REASONS[self.dispute_seq % len(_DISPUTE_REASONS)]
            self.dispute_seq += 1
            team, said, lo_pct, hi_pct = W.DISPUTE_REASONS[reason]
            open_one = rng.random() < 0.55
            limit = T - (5 if open_one else 25)
            candidates = [v for v in invs if not v.anchor and not v.locked and v.date <= limit]
            if not candidates:
                continue
            v = rng.choice(candidates)
            v.locked = True
            amount = max(1, min(v.amount, v.amount * rng.randint(lo_pct, hi_pct) // 100))
            owner = rng.choice(W.DISPUTE_OWNERS[team])
            credit_id = None
            if open_one:
                status = "open" if rng.random() < 0.6 else "in_review"
                opened = self._between(v.date + 3, min(T, v.due + 25))
                resolved = None
                v.pay, v.dfrom = None, opened
            else:
                opened = self._between(v.date + 2, min(v.date + 30, T - 20))
                resolved = self._between(opened + 3, min(opened + 45, T - 2))
                roll = rng.random()
                status = "resolved_credit" if (roll < 0.45 or reason == "duplicate_billing") else (
                    "resolved_valid" if roll < 0.75 else "withdrawn")
                v.dfrom, v.dto = opened, resolved
                if status == "resolved_credit":
                    credit_id = self._id("invoice")
                    cnotes.append((credit_id, self._credit_number(), resolved, amount,
                                   f"Credit for {v.number}: {reason.replace('_', ' ')}"))
                    v.credits.append((resolved, amount, credit_id))
                v.pay = self._between(resolved, min(T, resolved + 12)) if v.amount - (
                    amount if credit_id else 0) > 0 else None
            disputes.append((
                self._id("dispute"), acct_id, v.id, cur, amount, reason, team, owner, status,
                self.d(opened), self.d(resolved) if resolved is not None else None, credit_id,
                f"Customer says {said}.", None, self.user, self.stamp, self.batch,
            ))
            label = {"sales_ops": "Sales Ops", "sales": "Sales", "billing": "Billing"}[team]
            acts.append([opened, "call", "dispute",
                         f"Customer disputes {_fmt(amount, exp)} {cur} on {v.number} "
                         f"({reason.replace('_', ' ')}): {said}. Routed to {label} ({owner}).",
                         min(opened + 7, T + 7), primary])
            if resolved is not None:
                outcome = {"resolved_credit": f"resolved with credit note for {_fmt(amount, exp)} {cur}",
                           "resolved_valid": "resolved: invoice is valid, customer to pay",
                           "withdrawn": "withdrawn by the customer"}[status]
                acts.append([resolved, "note", None, f"Dispute on {v.number} {outcome}.", None, None])

    def _credit_number(self) -> str:
        self.inv_seq += 1
        return f"CN-{self.inv_seq:07d}"

    def _goodwill_credit(self, invs, cnotes) -> None:
        """A rebate or goodwill credit applied to a paid invoice, the rest paid by the customer."""
        rng = self.rng
        candidates = [v for v in invs if v.pay is not None and not v.locked and not v.credits
                      and v.pay - v.date >= 2 and not v.partial]
        if not candidates:
            return
        v = rng.choice(candidates)
        amount = max(1, v.amount * rng.randint(5, 15) // 100)
        if amount >= v.amount:
            return
        when = rng.randint(v.date + 1, v.pay - 1)
        cn_id = self._id("invoice")
        cnotes.append((cn_id, self._credit_number(), when, amount, f"Volume rebate on {v.number}"))
        v.credits.append((when, amount, cn_id))

    def _reinstated_history(self, invs: list[_Inv]) -> list[tuple[str, int, dict]] | None:
        """An old invoice that went to suspension and was paid: warning, suspension, reinstatement."""
        rng, T, p = self.rng, self.T, self.p
        candidates = [v for v in invs if not v.anchor and not v.locked and v.due <= T - 100]
        if not candidates:
            return None
        v = rng.choice(candidates)
        warn = v.due + p.warning_from_dpd + rng.randint(0, 7)
        susp = warn + self._between(p.warning_notice_days, max(p.warning_notice_days,
                                                             min(p.warning_valid_days - 1, p.warning_notice_days + 8)))
        paid = susp + rng.randint(3, 15)
        back = paid + rng.randint(0, 2)
        if back >= T or T - warn <= p.warning_valid_days:
            return None
        v.pay, v.locked = paid, True
        return [("warning", warn, {}), ("suspension", susp, {}), ("reinstatement", back, {"paid": paid})]

    def _plan_payments(self, invs: list[_Inv], terms: int) -> dict:
        """A distressed customer's arrears on a payment plan; new invoices paid late but paid."""
        rng, T, p = self.rng, self.T, self.p
        if not self.pending_plan_done:
            status, self.pending_plan_done = "pending", True
        else:
            roll = rng.random()
            status = "pending" if roll < 0.06 else ("good" if roll < 0.65 else "missed")
        created = T - (rng.randint(0, 3) if status == "pending" else rng.randint(20, 110))
        if invs[0].due >= created - 10:  # make sure there are arrears to plan
            first = invs[0]
            first.date = created - terms - 40 - rng.randint(0, 20)
            first.due = first.date + terms
        arrears: list[_Inv] = []
        for v in invs:
            if v.due < created:
                when = v.due + rng.randint(20, 80)
                if when < created and rng.random() < 0.5:
                    v.pay = max(when, v.date + 1)
                else:
                    arrears.append(v)
            else:
                when = max(v.due + rng.randint(0, 30), v.date + 1)
                v.pay = when if when <= T else None
        if not arrears:
            last = max((v for v in invs if v.due < created), key=lambda v: v.due)
            last.pay = None
            arrears.append(last)
        total = sum(v.amount for v in arrears)
        down = total * rng.randint(10, 20) // 100 if rng.random() < 0.4 else 0
        count = rng.randint(3, 6) if rng.random() < 0.8 else rng.randint(8, 12)
        frequency = "monthly" if rng.random() < 0.8 else "biweekly"
        first_date = created + rng.randint(7, 14)
        rest = total - down
        if rest // count < 1:
            count = 1
        each = rest // count
        schedule: list[tuple[int, int, int]] = []   # (seq, due, amount)
        if down:
            schedule.append((0, created, down))
        for k in range(1, count + 1):
            due = self._add_months(first_date, k - 1) if frequency == "monthly" else first_date + 14 * (k - 1)
            schedule.append((k, due, each if k < count else rest - each * (count - 1)))
        paid: list[tuple[int, int]] = []   # (date, amount) instalment payments
        if status != "pending":
            missed_from = None
            if status == "missed":
                overdue = [s for s in schedule if s[1] <= T - p.plan_grace_days - 1]
                if overdue:
                    missed_from = overdue[-1][0]
            for seq, due, amount in schedule:
                if due > T or (missed_from is not None and seq >= missed_from):
                    continue
                paid.append((min(T, max(created, due + rng.randint(-2, 2))), amount))
        # Instalments pay the arrears oldest first.
        open_left = [[v, v.amount] for v in sorted(arrears, key=lambda v: (v.due, v.date))]
        plan_allocs: list[tuple[int, list[tuple[_Inv, int]]]] = []
        for date, amount in paid:
            parts = []
            for item in open_left:
                if amount <= 0:
                    break
                take = min(item[1], amount)
                if take > 0:
                    parts.append((item[0], take))
                    item[1] -= take
                    amount -= take
            plan_allocs.append((date, parts))
        for v in arrears:
            v.pay, v.locked = None, True
        return {"status": status, "created": created, "total": total, "down": down, "count": count,
                "frequency": frequency, "first": first_date, "schedule": schedule, "payments": plan_allocs}

    def _build_payments(self, invs: list[_Inv], plan: dict | None) -> list[tuple[int, int, int, list]]:
        """Payments (one per customer remittance date) and their allocations; fills v.allocs."""
        by_date: dict[int, list[tuple[_Inv, int]]] = {}
        for v in invs:
            for date, amount, cn_id in v.credits:
                v.allocs.append((date, amount))
                self._alloc(v.id, None, cn_id, date, amount)
            for date, amount in v.partial:
                by_date.setdefault(date, []).append((v, amount))
            if v.pay is not None:
                rest = v.amount - sum(a for _, a, _ in v.credits) - sum(a for _, a in v.partial)
                if rest > 0:
                    by_date.setdefault(v.pay, []).append((v, rest))
        out = []
        for date in sorted(by_date):
            out.append((date, by_date[date]))
        if plan is not None:
            out.extend(plan["payments"])
            out.sort(key=lambda item: item[0])
        payments = []
        rows = self.rows["allocation"]
        iso, stamp = self.iso, self.stamp
        aid = self.ids["allocation"]
        pid = self.ids["payment"]
        for date, parts in out:
            if not parts:
                continue
            pid += 1
            total = 0
            day = iso[date]
            for v, amount in parts:
                v.allocs.append((date, amount))
                aid += 1
                rows.append((aid, v.id, pid, None, day, amount, stamp))
                total += amount
            payments.append((pid, date, total, parts))
        self.counts["allocations"] += aid - self.ids["allocation"]
        self.ids["allocation"], self.ids["payment"] = aid, pid
        return payments

    def _alloc(self, invoice_id: int, payment_id: int | None, credit_id: int | None, date: int, amount: int) -> None:
        self.rows["allocation"].append((self._id("allocation"), invoice_id, payment_id, credit_id, self.d(date),
                                        amount, self.stamp))
        self.counts["allocations"] += 1

    # -- the suspension timeline -----------------------------------------------------------------

    def _verified(self, events: list[tuple[str, int, dict]], invs: list[_Inv]) -> list[tuple[str, int, dict]]:
        p, T = self.p, self.T
        out: list[tuple[str, int, dict]] = []
        last_warning = None
        suspended_on = None
        for kind, date, extra in sorted(events, key=lambda e: e[1]):
            if date > T:
                break
            if kind == "warning":
                if _dpd(invs, date) < p.warning_from_dpd:
                    break
                last_warning = date
            elif kind == "suspension":
                if last_warning is None or not (p.warning_notice_days <= date - last_warning < p.warning_valid_days):
                    break
                suspended_on = date
            elif kind == "referral":
                if suspended_on is None or date <= suspended_on or _dpd(invs, date) < p.referral_from_dpd:
                    break
            elif kind == "reinstatement":
                if suspended_on is None:
                    break
                suspended_on = None
            out.append((kind, date, extra))
        return out

    def _events_rows(self, acct_id, events, invs, acts, primary) -> None:
        rng = self.rng
        p = self.p
        for kind, date, extra in events:
            eid = self._id("suspension_event")
            approved_by = approver_role = approval_ref = None
            dpd = _dpd(invs, date)
            if kind == "warning":
                approved_by, approver_role = rng.choice(W.COLLECTIONS_MANAGERS), "collections_manager"
                rule = f"warning: {dpd} days past due (from {p.warning_from_dpd})"
                note = f"Suspension warning sent: service may be suspended from {self.d(date + p.warning_notice_days)}."
                acts.append([date, "letter", "sent", f"{note} Approved by {approved_by}.", date + p.warning_notice_days,
                             primary])
            elif kind == "suspension":
                approved_by, approver_role = rng.choice(W.DIRECTORS), "director"
                rule = f"suspension: {p.warning_notice_days} days' notice given by a valid warning"
                note = "Service suspended for non-payment."
                acts.append([date, "system", "other", f"{note} Approved by {approved_by}.", None, None])
            elif kind == "referral":
                rule = f"referral: suspended and {dpd} days past due (from {p.referral_from_dpd})"
                note = "Referred to the Write Off / Bad Debt team with the account history."
                acts.append([date, "note", None, note, None, None])
            else:
                rule = "reinstatement: overdue balance paid"
                note = f"Service reinstated after payment received {self.d(extra.get('paid', date))}."
                acts.append([date, "system", "other", note, None, None])
            if approved_by:
                approval_ref = self._approval_ref(date)
            self.rows["suspension_event"].append((eid, acct_id, kind, self.d(date), approved_by, approver_role,
                                                  approval_ref, rule, note, self.user, self.stamp))
        self.counts["suspension_events"] += len(events)

    # -- promises, plans, escalations, calls -----------------------------------------------------

    def _paid_between(self, payments, lo: int, hi: int) -> int:
        return sum(total for _, date, total, _ in payments if lo <= date <= hi)

    def _promises(self, invs, payments, anchor, target, behaviour, acts, promises, cur, exp, primary) -> None:
        """Kept, partly kept, broken and open promises, each checked against the payments."""
        rng, T, tol = self.rng, self.T, self.p.promise_tolerance_days
        if behaviour != "prompt":
            kept = 0
            for pid, date, total, parts in payments:
                if kept >= 2:
                    break
                latest_due = max(v.due for v, _ in parts)
                if date <= latest_due + 5 or rng.random() >= 0.35:
                    continue
                made = max(date - rng.randint(2, 10), latest_due + 1, max(v.date for v, _ in parts))
                if made > date:
                    continue
                pay_by = max(made, date - rng.randint(0, tol))
                self._promise(promises, acts, made, pay_by, total, [v.id for v, _ in parts], exp, cur, primary,
                              pay_by + 1)
                kept += 1
        if anchor is None or target == "current":
            return
        open_amount = anchor.amount - sum(a for _, a in anchor.partial)
        if anchor.partial and rng.random() < 0.6:  # partly kept: the promise was for the whole invoice
            when = anchor.partial[0][0]
            made = max(anchor.due + 1, when - rng.randint(2, 8))
            if made <= when:
                pay_by = max(made, when - rng.randint(0, tol))
                got = self._paid_between(payments, made, pay_by + tol)
                if 0 < got < anchor.amount and pay_by + tol < T:
                    self._promise(promises, acts, made, pay_by, anchor.amount, [anchor.id], exp, cur, primary,
                                  pay_by + tol + 1)
        roll = rng.random()
        broken_p = 0.45 if behaviour in ("chronic_late", "distressed") else 0.2
        if roll < broken_p:
            lo, hi = anchor.due + 3, T - tol - 5
            if lo <= hi:
                made = rng.randint(lo, hi)
                pay_by = min(made + rng.randint(2, 7), T - tol - 1)
                if self._paid_between(payments, made, pay_by + tol) == 0:
                    left = anchor.amount - sum(a for d, a in anchor.partial if d <= made)
                    self._promise(promises, acts, made, pay_by, left, [anchor.id], exp, cur, primary,
                                  pay_by + tol + 1)
                    after = pay_by + tol + rng.randint(1, 3)
                    if after <= T:
                        acts.append([after, "call", rng.choice(("no_answer", "voicemail", "refused")),
                                     f"Promise of {_fmt(left, exp)} {cur} by {self.d(pay_by)} not kept.",
                                     min(after + 3, T + 3), primary])
        elif roll < broken_p + 0.2:
            made = T - rng.randint(0, 6)
            if made >= anchor.due and self._paid_between(payments, made, T) == 0:
                self._promise(promises, acts, made, T + rng.randint(0, 14), open_amount, [anchor.id], exp, cur,
                              primary, None)

    def _promise(self, promises, acts, made, pay_by, amount, inv_ids, exp, cur, contact, follow_up) -> None:
        act = [made, "call", "promise", f"{self.contact_name} promised {_fmt(amount, exp)} {cur} by {self.d(pay_by)}.",
               follow_up if follow_up is not None else pay_by + 1, contact]
        acts.append(act)
        promises.append((made, pay_by, amount, None, act, inv_ids))

    def _plan_rows(self, acct_id, cur, exp, plan, acts, primary) -> None:
        rng, T = self.rng, self.T
        total, count = plan["total"], plan["count"]
        usd_small, usd_mid = _usd_minor(cur, 5_000), _usd_minor(cur, 50_000)
        if total <= usd_small and count <= 3:
            role = "collector"
        elif total <= usd_mid and count <= 6:
            role = "collections_manager"
        else:
            role = "director"
        created = plan["created"]
        pending = plan["status"] == "pending"
        approver = {"collector": self.user, "collections_manager": rng.choice(W.COLLECTIONS_MANAGERS),
                    "director": rng.choice(W.DIRECTORS)}[role]
        approved_on = None if pending else min(T, created + rng.randint(0, 2))
        plan_id = self._id("payment_plan")
        each = plan["schedule"][-1][2]
        note = (f"{count} {plan['frequency']} instalments"
                + (f" after a down payment of {_fmt(plan['down'], exp)} {cur}" if plan["down"] else ""))
        self.rows["payment_plan"].append((
            plan_id, acct_id, self.d(created), cur, total, plan["down"], count, plan["frequency"],
            self.d(plan["first"]), role, "pending" if pending else "approved",
            None if pending else approver, None if pending else role,
            None if pending else self.d(approved_on),
            None if pending else self._approval_ref(approved_on),
            rng.choice(W.CREDIT_ANALYSTS), None, note, self.user, self.stamp,
        ))
        for seq, due, amount in plan["schedule"]:
            self.rows["plan_instalment"].append((self._id("plan_instalment"), plan_id, seq, self.d(due), amount))
        self.counts["payment_plans"] += 1
        self.counts["plan_instalments"] += len(plan["schedule"])
        text = (f"Payment plan proposed: {note}, about {_fmt(each, exp)} {cur} each; awaiting {role.replace('_', ' ')} approval."
                if pending else f"Payment plan agreed: {note}, about {_fmt(each, exp)} {cur} each.")
        acts.append([created, "call", "reached", text, plan["first"], primary])

    def _escalations(self, acct_id, behaviour, target, invs, anchor, plan, disputes) -> None:
        rng, T, p = self.rng, self.T, self.p
        late_stage = target in ("warning_due", "warned", "suspension_due", "suspended", "referred")
        rows = []
        if anchor is not None and late_stage and behaviour in ("chronic_late", "distressed") and rng.random() < 0.45:
            opened = min(T, anchor.due + p.warning_from_dpd + rng.randint(5, 20))
            closed = opened + rng.randint(3, 20)
            done = closed <= T and rng.random() < 0.4
            rows.append(("collections_management", "Over 30 days past due with no payment commitment.",
                         rng.choice(W.COLLECTIONS_MANAGERS), opened, closed if done else None,
                         rng.choice(("Customer committed to pay", "Suspension approved", "Account manager to call CFO"))
                         if done else None))
        if behaviour == "distressed" and rng.random() < (0.8 if plan else 0.3):
            opened = (plan["created"] - rng.randint(0, 5)) if plan else (
                anchor.due + rng.randint(10, 40) if anchor else T - rng.randint(10, 60))
            opened = min(opened, T)
            rows.append(("credit_analyst", "Distressed customer: credit review before a plan or suspension.",
                         rng.choice(W.CREDIT_ANALYSTS), opened, None, None))
        for d in disputes:
            opened_on = dt.date.fromisoformat(d[9]).toordinal() - self._base
            if d[8] in ("open", "in_review") and T - opened_on > 30 and rng.random() < 0.5:
                rows.append(("sales_management", f"Dispute open more than 30 days ({d[5].replace('_', ' ')}).",
                             rng.choice(W.SALES_OWNERS), opened_on + 30, None, None))
                break
        for target_, reason, owner, opened, closed, outcome in rows:
            self.rows["escalation"].append((self._id("escalation"), acct_id, target_, reason, owner, self.d(opened),
                                            self.d(closed) if closed is not None else None, outcome, self.user,
                                            self.stamp))
        self.counts["escalations"] += len(rows)

    def _call_history(self, invs, acts, contacts, exp, cur, anchor, target) -> None:
        """Reminders and calls on the invoices that went past due, and the current follow-up."""
        rng, T, p = self.rng, self.T, self.p
        primary, name = contacts[0]
        rem, fu = max(1, p.reminder_from_dpd), max(1, p.follow_up_from_dpd)
        for v in invs:
            end = v.settled if v.settled is not None else T + 1
            first = v.due + rem + rng.randint(2, 4)
            if first >= end or first > T:
                continue
            if rng.random() < 0.45:
                acts.append([first, "email", "sent",
                             f"Reminder 1 for {v.number}: {_fmt(v.amount, exp)} {cur} due {self.d(v.due)}.",
                             None, primary])
            second = v.due + fu + rng.randint(0, 3)
            if second < end and second <= T and rng.random() < 0.5:
                outcome = rng.choices(_CALL_OUTCOMES, cum_weights=_CALL_CUM)[0]
                who, who_name = contacts[1] if outcome == "wrong_contact" and len(contacts) > 1 else contacts[0]
                acts.append([second, "call", outcome, W.CALL_NOTES[outcome].format(contact=who_name, number=v.number),
                             second + rng.randint(2, 7), who])
        if anchor is not None and target != "current":  # the latest chase, its follow-up due soon or overdue
            when = max(anchor.due, T - rng.randint(0, 10))
            outcome = rng.choice(("voicemail", "reached", "no_answer"))
            acts.append([when, "call", outcome, W.CALL_NOTES[outcome].format(contact=name, number=anchor.number),
                         when + rng.randint(2, 10), primary])

    # -- writing --------------------------------------------------------------------------------

    def take(self) -> dict[str, list[tuple]]:
        """The rows made since the last call, parents before children (see INSERTS)."""
        rows = self.rows
        self.rows = {k: [] for k in INSERTS}
        return rows


def _settled(allocs: list[tuple[int, int]], amount: int) -> int | None:
    """The date allocations first covered `amount` (ledger.recompute_settled's rule)."""
    if amount == 0:
        return None
    got = 0
    for date, value in sorted(allocs, key=lambda a: a[0]):
        got += value
        if got >= amount:
            return date
    return None


def _dpd(invs: list[_Inv], day: int) -> int:
    """Days past due of the oldest open, undisputed invoice as of `day` (0 when none)."""
    worst = 0
    for v in invs:
        if v.date <= day and v.due < day and (v.settled is None or v.settled > day):
            if v.dfrom is not None and v.dfrom <= day and (v.dto is None or v.dto > day):
                continue
            if day - v.due > worst:
                worst = day - v.due
    return worst


def _insert(table: str, columns: str) -> str:
    names = [c.strip() for c in columns.split(",")]
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


ID_TABLES = ("account", "contact", "invoice", "payment", "allocation", "activity", "promise", "payment_plan",
              "plan_instalment", "dispute", "escalation", "suspension_event")

# Parents before children: foreign keys are checked as each statement runs.
INSERTS = {
    "account": _insert("account", "id, key, name, currency, country, segment, sales_owner, credit_limit_minor, "
                                  "phone, email, address, risk, external_id, distress, distress_note, created_at, "
                                  "updated_at, import_batch_id"),
    "contact": _insert("contact", "id, account_id, name, role, email, phone, is_primary, external_id, created_at, "
                                  "import_batch_id"),
    "invoice": _insert("invoice", "id, account_id, number, kind, invoice_date, due_date, currency, amount_minor, "
                                  "po_number, description, created_at, import_batch_id, settled_on"),
    "payment": _insert("payment", "id, account_id, paid_on, currency, amount_minor, reference, method, source_key, "
                                  "created_at, import_batch_id"),
    "allocation": _insert("allocation", "id, invoice_id, payment_id, credit_note_id, applied_on, amount_minor, "
                                        "created_at"),
    "dispute": _insert("dispute", "id, account_id, invoice_id, currency, amount_minor, reason, routed_to, owner, "
                                  "status, opened_on, resolved_on, credit_note_id, note, source_key, user, "
                                  "created_at, import_batch_id"),
    "activity": _insert("activity", "id, account_id, contact_id, occurred_on, occurred_at, channel, outcome, note, "
                                    "follow_up_on, user, created_at"),
    "promise": _insert("promise", "id, account_id, activity_id, made_on, pay_by, currency, amount_minor, note, "
                                  "cancelled_on, user, created_at"),
    "promise_invoice": _insert("promise_invoice", "promise_id, invoice_id"),
    "payment_plan": _insert("payment_plan", "id, account_id, created_on, currency, total_minor, down_payment_minor, "
                                            "instalment_count, frequency, first_date, required_role, status, "
                                            "approved_by, approver_role, approved_on, approval_ref, reviewed_by, "
                                            "cancelled_on, note, user, created_at"),
    "plan_instalment": _insert("plan_instalment", "id, plan_id, seq, due_on, amount_minor"),
    "escalation": _insert("escalation", "id, account_id, target, reason, owner, opened_on, closed_on, outcome, user, "
                                        "created_at"),
    "suspension_event": _insert("suspension_event", "id, account_id, kind, on_date, approved_by, approver_role, "
                                                    "approval_ref, rule, note, user, created_at"),
}
COLUMNS = {table: sql.count("?") for table, sql in INSERTS.items()}
# What `generate` counts (DemoSummary's fields).
COUNTS = ("accounts", "contacts", "invoices", "credit_notes", "payments", "allocations", "activities", "promises",
          "payment_plans", "plan_instalments", "disputes", "escalations", "suspension_events")
