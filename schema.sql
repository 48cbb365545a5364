-- arcollect database schema: the one source of truth.
--
-- Conventions
--   * Money is INTEGER minor units of the row's own `currency` (ISO 4217; JPY has no minor
--     digits, BHD three).  Columns holding money end in `_minor`.  Never REAL.
--   * Dates are ISO text `YYYY-MM-DD`; timestamps are ISO text in UTC `YYYY-MM-DDTHH:MM:SSZ`.
--   * Facts are stored, derived state is computed (stage, open amounts as of a date, promise
--     standing).  The only derived column kept for speed is invoice.settled_on (see there).
--   * The audit log is append-only (triggers) and hash-chained (see arcollect_tui/audit.py).
--
-- The program applies this file to an empty database and sets PRAGMA user_version to
-- SCHEMA_VERSION (arcollect_tui/db.py); older databases are stepped forward by migrations.

CREATE TABLE import_batch (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    source        TEXT    NOT NULL CHECK (source IN ('import', 'demo', 'app')),
    files         TEXT    NOT NULL DEFAULT '[]',          -- JSON list of {path, sha256, kind, preset}
    as_of         TEXT    NOT NULL,                        -- the *today* of the import
    summary       TEXT    NOT NULL DEFAULT '{}',           -- JSON counts per kind
    user          TEXT    NOT NULL
);

CREATE TABLE account (
    id                 INTEGER PRIMARY KEY,
    key                TEXT    NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 200),
    name               TEXT    NOT NULL CHECK (length(name) >= 1),
    currency           TEXT    CHECK (currency IS NULL OR (length(currency) = 3 AND currency = upper(currency))),
    country            TEXT,
    segment            TEXT,
    sales_owner        TEXT,
    credit_limit_minor INTEGER CHECK (credit_limit_minor IS NULL OR credit_limit_minor >= 0),
    phone              TEXT,
    email              TEXT,
    address            TEXT,
    risk               TEXT,
    external_id        TEXT,                               -- the system of record's id (e.g. Salesforce 001...)
    distress           INTEGER NOT NULL DEFAULT 0 CHECK (distress IN (0, 1)),
    distress_note      TEXT,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    import_batch_id    INTEGER REFERENCES import_batch (id)
);
CREATE INDEX account_name ON account (name COLLATE NOCASE);

CREATE TABLE contact (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL CHECK (length(name) >= 1),
    role            TEXT,
    email           TEXT,
    phone           TEXT,
    is_primary      INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    external_id     TEXT,
    created_at      TEXT    NOT NULL,
    import_batch_id INTEGER REFERENCES import_batch (id),
    UNIQUE (account_id, name)
);
CREATE INDEX contact_account ON contact (account_id);

-- An invoice, or a credit note (kind = 'credit_note', negative amount).
CREATE TABLE invoice (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    number          TEXT    NOT NULL CHECK (length(number) >= 1),
    kind            TEXT    NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'credit_note')),
    invoice_date    TEXT    NOT NULL CHECK (invoice_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    due_date        TEXT    NOT NULL CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    currency        TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    amount_minor    INTEGER NOT NULL CHECK ((kind = 'invoice' AND amount_minor >= 0)
                                            OR (kind = 'credit_note' AND amount_minor < 0)),
    po_number       TEXT,
    description     TEXT,
    created_at      TEXT    NOT NULL,
    import_batch_id INTEGER REFERENCES import_batch (id),
    -- Derived, kept for the worklist's speed: the date on which allocations first covered the
    -- whole amount (NULL while anything is open).  Maintained by arcollect_tui/ledger.py.
    -- (Added in schema version 2, hence last.)
    settled_on      TEXT    CHECK (settled_on IS NULL OR settled_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    UNIQUE (account_id, number)
);
CREATE INDEX invoice_account_due ON invoice (account_id, due_date);
CREATE INDEX invoice_open ON invoice (settled_on, due_date);
CREATE INDEX invoice_number ON invoice (number);

CREATE TABLE payment (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    paid_on         TEXT    NOT NULL CHECK (paid_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    currency        TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    reference       TEXT,
    method          TEXT,
    -- A stable key so that importing the same file again finds the same payment.
    source_key      TEXT    NOT NULL UNIQUE,
    created_at      TEXT    NOT NULL,
    import_batch_id INTEGER REFERENCES import_batch (id)
);
CREATE INDEX payment_account_date ON payment (account_id, paid_on);

-- The application of a payment, or of a credit note, to an invoice.
CREATE TABLE allocation (
    id             INTEGER PRIMARY KEY,
    invoice_id     INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    payment_id     INTEGER REFERENCES payment (id) ON DELETE CASCADE,
    credit_note_id INTEGER REFERENCES invoice (id) ON DELETE CASCADE,
    applied_on     TEXT    NOT NULL CHECK (applied_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    amount_minor   INTEGER NOT NULL CHECK (amount_minor > 0),
    created_at     TEXT    NOT NULL,
    CHECK ((payment_id IS NULL) <> (credit_note_id IS NULL))
);
CREATE INDEX allocation_invoice ON allocation (invoice_id, applied_on);
CREATE INDEX allocation_payment ON allocation (payment_id);
CREATE INDEX allocation_credit_note ON allocation (credit_note_id);

CREATE TABLE activity (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    contact_id   INTEGER REFERENCES contact (id) ON DELETE SET NULL,
    occurred_on  TEXT    NOT NULL CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    occurred_at  TEXT    NOT NULL,
    channel      TEXT    NOT NULL CHECK (channel IN ('call', 'email', 'meeting', 'note', 'letter', 'system')),
    outcome      TEXT    CHECK (outcome IS NULL OR outcome IN (
                     'no_answer', 'voicemail', 'reached', 'promise', 'refused', 'dispute',
                     'wrong_contact', 'paid_claimed', 'sent', 'other')),
    note         TEXT,
    follow_up_on TEXT    CHECK (follow_up_on IS NULL OR follow_up_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    user         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL
);
CREATE INDEX activity_account_date ON activity (account_id, occurred_on);

-- A promise to pay.  Its standing (open, kept, partly kept, broken) is derived from payments.
CREATE TABLE promise (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    activity_id  INTEGER REFERENCES activity (id) ON DELETE SET NULL,
    made_on      TEXT    NOT NULL CHECK (made_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    pay_by       TEXT    NOT NULL CHECK (pay_by GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    currency     TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    note         TEXT,
    cancelled_on TEXT,
    user         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    CHECK (pay_by >= made_on)
);
CREATE INDEX promise_account ON promise (account_id, pay_by);

CREATE TABLE promise_invoice (
    promise_id INTEGER NOT NULL REFERENCES promise (id) ON DELETE CASCADE,
    invoice_id INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    PRIMARY KEY (promise_id, invoice_id)
) WITHOUT ROWID;

CREATE TABLE payment_plan (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    created_on          TEXT    NOT NULL,
    currency            TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    total_minor         INTEGER NOT NULL CHECK (total_minor > 0),
    down_payment_minor  INTEGER NOT NULL DEFAULT 0 CHECK (down_payment_minor >= 0),
    instalment_count    INTEGER NOT NULL CHECK (instalment_count >= 1),
    frequency           TEXT    NOT NULL CHECK (frequency IN ('weekly', 'biweekly', 'monthly', 'custom')),
    first_date          TEXT    NOT NULL,
    required_role       TEXT    NOT NULL CHECK (required_role IN ('collector', 'collections_manager', 'director')),
    status              TEXT    NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    approved_by         TEXT,
    approver_role       TEXT,
    approved_on         TEXT,
    approval_ref        TEXT,
    reviewed_by         TEXT,                              -- the credit analyst, where required
    cancelled_on        TEXT,
    note                TEXT,
    user                TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    CHECK (down_payment_minor <= total_minor),
    CHECK (status <> 'approved' OR (approved_by IS NOT NULL AND approved_on IS NOT NULL))
);
CREATE INDEX payment_plan_account ON payment_plan (account_id);

CREATE TABLE plan_instalment (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES payment_plan (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL CHECK (seq >= 0),        -- 0 is the down payment
    due_on       TEXT    NOT NULL CHECK (due_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    UNIQUE (plan_id, seq)
);

CREATE TABLE dispute (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    invoice_id        INTEGER REFERENCES invoice (id) ON DELETE CASCADE,
    currency          TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    amount_minor      INTEGER NOT NULL CHECK (amount_minor > 0),
    reason            TEXT    NOT NULL CHECK (reason IN ('pricing', 'quantity', 'not_received',
                          'duplicate_billing', 'tax', 'contract_terms', 'service_issue', 'other')),
    routed_to         TEXT    NOT NULL DEFAULT 'billing'
                          CHECK (routed_to IN ('sales_ops', 'sales', 'billing', 'other')),
    owner             TEXT,
    status            TEXT    NOT NULL DEFAULT 'open'
                          CHECK (status IN ('open', 'in_review', 'resolved_credit', 'resolved_valid', 'withdrawn')),
    opened_on         TEXT    NOT NULL CHECK (opened_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    resolved_on       TEXT,
    credit_note_id    INTEGER REFERENCES invoice (id) ON DELETE SET NULL,
    note              TEXT,
    source_key        TEXT    UNIQUE,                       -- set when an import created it
    user              TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    import_batch_id   INTEGER REFERENCES import_batch (id),
    CHECK ((status IN ('open', 'in_review')) = (resolved_on IS NULL))
);
CREATE INDEX dispute_account ON dispute (account_id, status);
CREATE INDEX dispute_invoice ON dispute (invoice_id);

CREATE TABLE escalation (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    target      TEXT    NOT NULL CHECK (target IN ('collections_management', 'sales_management', 'credit_analyst')),
    reason      TEXT    NOT NULL,
    owner       TEXT,
    opened_on   TEXT    NOT NULL,
    closed_on   TEXT,
    outcome     TEXT,
    user        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX escalation_account ON escalation (account_id);

-- Steps of the suspension timeline, each with its approval where the policy needs one.
CREATE TABLE suspension_event (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('warning', 'suspension', 'reinstatement', 'referral')),
    on_date       TEXT    NOT NULL CHECK (on_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    approved_by   TEXT,
    approver_role TEXT,
    approval_ref  TEXT,
    rule          TEXT,                                    -- the policy rule that allowed it, in words
    note          TEXT,
    user          TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    CHECK (kind NOT IN ('warning', 'suspension') OR approved_by IS NOT NULL)
);
CREATE INDEX suspension_event_account ON suspension_event (account_id, on_date);

CREATE TABLE outbox_message (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER REFERENCES account (id) ON DELETE SET NULL,
    template    TEXT,
    to_addr     TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    path        TEXT    NOT NULL UNIQUE,                   -- the RFC 5322 file in the data folder
    message_id  TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('draft', 'queued', 'sending', 'sent', 'failed')),
    created_at  TEXT    NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);
CREATE INDEX outbox_status ON outbox_message (status);

-- Exports back to the system of record, so that "since the last export" sends nothing twice.
-- (Added in schema version 2.)
CREATE TABLE export_run (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    at           TEXT    NOT NULL,
    up_to_audit  INTEGER NOT NULL,                         -- the last audit_log.id covered
    path         TEXT,
    row_count    INTEGER NOT NULL CHECK (row_count >= 0),
    user         TEXT    NOT NULL
);

-- The worklist's cache (schema version 3): derived rows, recomputable at any time from the facts,
-- so they carry no audit rows (an audit row would itself move the data version).  Valid for one
-- *today*, one settings key (policy, weights, FX, code) and one data version = max(audit_log.id);
-- services/worklist.py recomputes what the newer audit rows name.
CREATE TABLE queue_cache_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    as_of         TEXT    NOT NULL,
    settings_key  TEXT    NOT NULL,
    data_version  INTEGER NOT NULL
);

CREATE TABLE queue_cache (
    account_id     INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    needs_action   INTEGER NOT NULL CHECK (needs_action IN (0, 1)),
    priority_centi INTEGER NOT NULL,                  -- the score x 100 (a score, not money)
    days_past_due  INTEGER NOT NULL,
    key            TEXT    NOT NULL,
    row            TEXT    NOT NULL,                  -- the `queue --format json` object
    parts          TEXT    NOT NULL                   -- the priority's parts, JSON [[name, points, why]]
);
CREATE INDEX queue_cache_acting ON queue_cache (needs_action, priority_centi DESC, days_past_due DESC, key);
CREATE INDEX queue_cache_rank ON queue_cache (priority_centi DESC, days_past_due DESC, key);

-- Every change, in the same transaction as the change.  Append-only; hash-chained:
-- hash = sha256(prev_hash || canonical JSON of the row's other columns).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    user        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   INTEGER,
    account_id  INTEGER,                                   -- no foreign key: the log outlives rows
    before      TEXT,                                      -- JSON or NULL
    after       TEXT,                                      -- JSON or NULL
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL UNIQUE
);
CREATE INDEX audit_log_account ON audit_log (account_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted');
END;
