"""Header aliases and presets: which column of a foreign export holds which canonical field.

Headers are matched after `norm()` (case, spaces, dots, underscores and BOMs ignored).  A preset
is a known export shape (IBM sample, Salesforce Billing, SAP FBL5N, QuickBooks and NetSuite A/R
aging reports, Business Central ledger entries): it adds or removes aliases and says how its
rows are read.  `canonical` is the importer's own format plus every generic alias.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

KINDS = ("invoices", "payments", "accounts", "contacts")

# Canonical columns per kind: (required, optional).  Optional columns beyond the CONTRACT's
# (paid_date, country, status, dc_indicator, first/last name, account_name) serve the presets.
REQUIRED: dict[str, tuple[str, ...]] = {
    "invoices": ("account", "invoice", "invoice_date", "due_date", "amount", "currency"),
    "payments": ("account", "date", "amount", "currency"),
    "accounts": ("account", "name"),
    "contacts": ("account", "name"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "invoices": ("name", "open_amount", "disputed", "po_number", "description", "paid_date", "country",
                 "status", "dc_indicator"),
    "payments": ("invoice", "reference", "method", "name"),
    "accounts": ("currency", "country", "segment", "sales_owner", "credit_limit", "phone", "email", "address",
                 "risk"),
    "contacts": ("role", "email", "phone", "primary", "first_name", "last_name", "account_name"),
}
DATE_FIELDS = ("invoice_date", "due_date", "paid_date", "date")

_ACCOUNT_NAME = ("name", "name_customer", "Account Name", "cust_name", "Customer Name", "AccountName",
                 "Name 1", "NAME1", "blng__Account__r.Name", "Account.Name", "Company", "Company Name")

# Generic aliases, by canonical column (the canonical name itself always comes first).
GENERIC: dict[str, tuple[str, ...]] = {
    "account": ("customerID", "cust_number", "Account", "Customer", "KUNNR", "AccountNumber",
                "blng__Account__r.AccountNumber", "blng__Account__c", "customerNumber", "AccountCode",
                "Account Number", "Customer No.", "Customer Number", "Customer ID", "Customer Code",
                "AccountId", "Account ID", "Account Key"),
    "name": _ACCOUNT_NAME[1:],
    "invoice": ("invoiceNumber", "invoice_id", "doc_id", "Document Number", "BELNR", "Billing Document",
                "Invoice reference", "blng__Invoice__c Name", "doc_num", "Num", "tranid", "Invoice Number",
                "Invoice No.", "Document No.", "Invoice #", "Invoice"),
    "invoice_date": ("InvoiceDate", "Document Date", "BLDAT", "posting_date", "Posting Date",
                     "document_create_date", "blng__InvoiceDate__c", "tx_date", "Date", "trandate",
                     "Doc. Date", "Transaction Date"),
    "due_date": ("DueDate", "due_in_date", "Net due date", "NETDT", "blng__DueDate__c", "Due Date", "duedate",
                 "Invoice Due Date", "Due Date/Receive By", "Net Due"),
    "amount": ("InvoiceAmount", "Amount in doc. curr.", "Amount in DC", "WRBTR", "blng__TotalAmount__c",
               "subt_amount", "Total Amount", "Invoice Amount", "Original Amount", "totalAmountIncludingTax",
               "Amount", "TransactionAmountDC"),
    "open_amount": ("total_open_amount", "blng__Balance__c", "subt_open_bal", "Open Balance", "amountunpaid",
                    "amountremaining", "Amount Remaining", "Remaining Amount", "remainingAmount", "balanceDue",
                    "Balance Due", "Open Amount", "Balance"),
    "currency": ("invoice_currency", "Document currency", "WAERS", "CurrencyIsoCode", "currencyCode",
                 "Currency Code", "Invoice Currency", "Curr.", "Crcy"),
    "paid_date": ("SettledDate", "clear_date", "Clearing date", "AUGDT", "Payment date", "Paid Date",
                  "Date Paid", "Closed at Date"),
    "disputed": ("Disputed (Yes/No)", "Payment Block", "In Dispute", "Dispute", "On Hold"),
    "po_number": ("PO Number", "P.O. Number", "PO", "Customer PO", "Purchase Order", "PO No."),
    "description": ("Text", "Memo", "Memo/Description", "Item Text"),
    "country": ("countryCode", "Country Code", "BillingCountry", "Country/Region"),
    "date": ("Date", "Payment Date", "paid_on", "Paid On", "Receipt Date", "Deposit Date", "Value Date",
             "Clearing date", "Posting Date"),
    "reference": ("Payment Reference", "Ref", "Reference Number", "Check Number", "Check No.", "Check #",
                  "Transaction ID"),
    "method": ("Payment Method", "Payment Method Code"),
    "segment": ("Customer Segment", "Customer Group", "Industry"),
    "sales_owner": ("Account Owner", "Owner", "Salesperson", "Salesperson Code", "Sales Rep"),
    "credit_limit": ("Credit Limit", "Credit Limit (LCY)"),
    "phone": ("Phone Number", "Phone No.", "Telephone"),
    "email": ("E-Mail", "Email Address", "E-mail Address"),
    "address": ("Billing Address", "BillingStreet", "Street", "Address 1"),
    "risk": ("Risk Class", "Risk Category", "Credit Rating"),
    "role": ("Title", "Job Title", "Position"),
    "primary": ("Is Primary", "Primary Contact", "Primary?"),
    "first_name": ("FirstName", "First Name"),
    "last_name": ("LastName", "Last Name"),
    "account_name": _ACCOUNT_NAME[1:],
    "status": (),
    "dc_indicator": (),
}
# `name` means the contact's own name in a contacts file.
CONTACT_NAME = ("Contact Name", "Contact", "Full Name")


def norm(header: str) -> str:
    """`'Amount in doc. curr.'` -> `'amountindoccurr'`: case, spaces, dots, underscores ignored."""
    return re.sub(r"[\s._\ufeff\u00a0]+", "", header or "").lower()


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    kinds: tuple[str, ...]
    signature: Callable[[set[str]], bool]
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)   # tried before the generic aliases
    drop: dict[str, tuple[str, ...]] = field(default_factory=dict)    # generic aliases not meant here
    default_currency: bool = False       # no currency column, or a blank cell: the config's default
    report_rows: bool = False            # one-cell rows anywhere (headings, footers) are skipped
    code_disputes: bool = False          # any code in `disputed` (SAP payment block) means disputed
    strip_icons: bool = False            # SAP list icons such as @0A@ are dropped from cells
    not_posted: frozenset[str] = frozenset()   # normalised `status` values that are skipped

    def aliases(self, kind: str, canonical: str) -> tuple[str, ...]:
        """Every header accepted for `canonical`, best first (as written, for messages)."""
        generic = CONTACT_NAME if (kind == "contacts" and canonical == "name") else GENERIC.get(canonical, ())
        dropped = {norm(a) for a in self.drop.get(canonical, ())}
        seen: set[str] = set()
        out: list[str] = []
        for alias in (canonical, *self.extra.get(canonical, ()), *generic):
            key = norm(alias)
            if key in dropped or key in seen:
                continue
            seen.add(key)
            out.append(alias)
        return tuple(out)


def _any(*names: str) -> Callable[[set[str]], bool]:
    keys = {norm(n) for n in names}
    return lambda headers: bool(keys & headers)


def _all(*names: str) -> Callable[[set[str]], bool]:
    keys = {norm(n) for n in names}
    return lambda headers: keys <= headers


def _salesforce(headers: set[str]) -> bool:
    return (any(h.startswith("blng") for h in headers) or "currencyisocode" in headers
            or {"accountname", "invoicenumber", "totalamount", "balance"} <= headers)


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("ibm", "IBM Watson Analytics accounts-receivable sample", ("invoices",),
           _all("customerID", "invoiceNumber", "InvoiceAmount", "SettledDate"),
           default_currency=True),
    Preset("salesforce", "Salesforce Billing invoices (API names or field labels)", KINDS, _salesforce,
           extra={"invoice": ("Name", "Invoice Number", "blng__Invoice__c Name"),
                  "account": ("blng__Account__r.AccountNumber", "blng__Account__c", "AccountId"),
                  "name": ("blng__Account__r.Name", "Account Name"),
                  "amount": ("blng__TotalAmount__c", "Total Amount"),
                  "open_amount": ("blng__Balance__c", "Balance"),
                  "status": ("blng__InvoiceStatus__c", "Invoice Status", "Status")},
           drop={"name": ("name",)},
           report_rows=True,
           not_posted=frozenset({"draft", "cancelled", "canceled", "rebilled", "initiated"})),
    Preset("sap", "SAP FBL5N customer line items (spreadsheet or text export)", ("invoices", "payments"),
           _any("KUNNR", "BELNR", "BLDAT", "WRBTR", "WAERS", "AUGDT", "NETDT", "Debit/Credit ind",
                "Amount in doc. curr.", "Document currency", "Net due date", "Clearing date", "Name 1"),
           extra={"account": ("Account", "Customer", "KUNNR"),
                  "invoice": ("Document Number", "DocumentNo", "BELNR", "Reference"),
                  "invoice_date": ("Document Date", "Doc. Date", "BLDAT"),
                  "due_date": ("Net due date", "Net due dt", "NETDT"),
                  "amount": ("Amount in doc. curr.", "Amount in DC", "WRBTR"),
                  "currency": ("Document currency", "Curr.", "WAERS"),
                  "dc_indicator": ("Debit/Credit ind", "Debit/Credit indicator", "D/C", "SHKZG"),
                  "paid_date": ("Clearing date", "Clearing", "AUGDT"),
                  "disputed": ("Payment Block", "PBk", "ZLSPR")},
           report_rows=True, code_disputes=True, strip_icons=True),
    Preset("business_central", "Microsoft Dynamics 365 Business Central customer ledger entries or invoices",
           ("invoices", "payments", "accounts", "contacts"),
           lambda h: ({"documentno", "customerno"} <= h or "remainingamount" in h
                      or {"customernumber", "totalamountincludingtax"} <= h),
           extra={"invoice": ("Document No.", "number"),
                  "account": ("Customer No.", "customerNumber"),
                  "name": ("Customer Name", "customerName"),
                  "invoice_date": ("Document Date", "invoiceDate", "Posting Date"),
                  "amount": ("Original Amount", "totalAmountIncludingTax", "Amount"),
                  "open_amount": ("Remaining Amount", "remainingAmount"),
                  "status": ("status",),
                  "disputed": ("On Hold",)},
           default_currency=True, code_disputes=True,
           not_posted=frozenset({"draft", "canceled", "cancelled"})),
    Preset("netsuite", "NetSuite A/R aging detail or open-invoices saved search", ("invoices",),
           lambda h: bool({"tranid", "trandate", "amountremaining", "amountunpaid"} & h)
           or {"documentnumber", "name", "openbalance"} <= h or {"type", "documentnumber", "name"} <= h,
           extra={"invoice": ("Document Number", "tranid"),
                  "invoice_date": ("Date", "trandate"),
                  "due_date": ("Due Date", "Due Date/Receive By", "duedate"),
                  "open_amount": ("Amount Remaining", "Open Balance", "amountremaining", "amountunpaid"),
                  "name": ("Name", "Customer", "entity"),
                  "account": ("Customer ID", "entityid", "Customer Number")},
           drop={"account": ("Customer",)},
           default_currency=True, report_rows=True),
    Preset("quickbooks", "QuickBooks A/R aging detail or open invoices report", ("invoices",),
           lambda h: {"num", "transactiontype"} <= h or {"num", "openbalance"} <= h,
           extra={"invoice": ("Num",), "account": ("Customer",), "invoice_date": ("Date",),
                  "open_amount": ("Open Balance", "Open balance")},
           default_currency=True, report_rows=True),
    Preset("canonical", "arcollect's own columns, and any export whose headers match the aliases", KINDS,
           lambda h: True),
)}


def preset_names() -> list[str]:
    return list(PRESETS)


def map_columns(preset: Preset, kind: str, headers: list[str]) -> dict[str, int]:
    """canonical column -> index in `headers`; each header serves one canonical column at most."""
    by_norm: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = norm(h)
        if key and key not in by_norm:
            by_norm[key] = i
    taken: set[int] = set()
    mapping: dict[str, int] = {}
    for canonical in (*REQUIRED[kind], *OPTIONAL[kind]):
        for alias in preset.aliases(kind, canonical):
            i = by_norm.get(norm(alias))
            if i is not None and i not in taken:
                mapping[canonical] = i
                taken.add(i)
                break
    if kind == "invoices" and "amount" not in mapping and "open_amount" in mapping:
        # Aging reports list only what is open: that is the amount the store needs to know.
        mapping["amount"] = mapping.pop("open_amount")
    return mapping


def missing_required(preset: Preset, kind: str, mapping: dict[str, int]) -> list[str]:
    """Required columns without a header, after the fallbacks every preset allows."""
    missing = []
    for canonical in REQUIRED[kind]:
        if canonical in mapping:
            continue
        if canonical == "currency" and preset.default_currency:
            continue
        if canonical == "account" and ("name" in mapping if kind != "contacts" else "account_name" in mapping):
            continue  # the account's name is its key (QuickBooks, NetSuite, report exports)
        if canonical == "name" and kind == "contacts" and ("first_name" in mapping or "last_name" in mapping):
            continue
        missing.append(canonical)
    return missing


@dataclass(frozen=True)
class Layout:
    """Where the header is and what each column means, for one file."""

    preset: Preset
    kind: str
    header_index: int          # index into RawTable.rows
    headers: list[str]
    mapping: dict[str, int]

    @property
    def ignored(self) -> tuple[str, ...]:
        used = set(self.mapping.values())
        return tuple(h for i, h in enumerate(self.headers) if i not in used and h.strip())


_KIND_ORDER = {k: i for i, k in enumerate(("invoices", "payments", "accounts", "contacts"))}
HEADER_SEARCH_ROWS = 30


def detect(rows: list[tuple[int, list[str]]], *, kind: str | None, preset: str | None,
           name: str) -> Layout:
    """Find the header row (title rows may sit above it), the preset and the kind.

    Raises ValueError with a message naming the missing columns and the headers accepted.
    """
    presets: Iterable[Preset] = [PRESETS[preset]] if preset else PRESETS.values()
    best_near: tuple[int, int, Preset, str, dict[str, int]] | None = None
    seen = 0
    for index, (line, cells) in enumerate(rows):
        if not any(c.strip() for c in cells):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
        headers = [c.strip() for c in cells]
        normed = {norm(h) for h in headers} - {""}
        for p in presets:
            if not preset and not p.signature(normed):
                continue
            if kind and kind not in p.kinds:
                continue
            kinds = [kind] if kind else list(p.kinds)
            fits: list[tuple[int, int, str, dict[str, int]]] = []
            for k in kinds:
                mapping = map_columns(p, k, headers)
                missing = missing_required(p, k, mapping)
                if not missing:
                    fits.append((len(mapping), -_KIND_ORDER[k], k, mapping))
                else:
                    matched = len(REQUIRED[k]) - len(missing)
                    if matched and (best_near is None or matched > best_near[0]):
                        best_near = (matched, index, p, k, mapping)
            if fits:
                fits.sort(reverse=True)
                _, _, k, mapping = fits[0]
                return Layout(p, k, index, headers, mapping)
    if best_near is None:
        wanted = kind or "invoices"
        raise ValueError(f"{name}: no header row found in the first {HEADER_SEARCH_ROWS} rows: expected the "
                         f"columns of {wanted} ({', '.join(REQUIRED[wanted])}) or their aliases"
                         + ("" if kind else " (or the columns of another kind: payments, accounts, contacts)"))
    _, index, p, k, mapping = best_near
    line, cells = rows[index]
    missing = missing_required(p, k, mapping)
    parts = [f"{c} (accepted: {', '.join(p.aliases(k, c))})" for c in missing]
    found = ",".join(c.strip() for c in cells if c.strip())
    raise ValueError(f"{name}:{line}: header: {_short(found)}: missing required column"
                     f"{'s' if len(missing) > 1 else ''} for {k} (preset {p.name}): " + "; ".join(parts))


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
