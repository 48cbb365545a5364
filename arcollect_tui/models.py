"""Peewee models mapped onto schema.sql (which creates the tables: the models never do).

tests/test_schema.py proves the two agree column for column.  Money fields end in `_minor`
(integer minor units of the row's `currency`); use arcollect_tui.money to convert.
"""

from __future__ import annotations

from peewee import (
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database_proxy = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database_proxy


class ImportBatch(BaseModel):
    started_at = TextField()
    finished_at = TextField(null=True)
    source = TextField()
    files = TextField(default="[]")
    as_of = DateField()
    summary = TextField(default="{}")
    user = TextField()

    class Meta:
        table_name = "import_batch"


class Account(BaseModel):
    key = TextField(unique=True)
    name = TextField()
    currency = TextField(null=True)
    country = TextField(null=True)
    segment = TextField(null=True)
    sales_owner = TextField(null=True)
    credit_limit_minor = IntegerField(null=True)
    phone = TextField(null=True)
    email = TextField(null=True)
    address = TextField(null=True)
    risk = TextField(null=True)
    external_id = TextField(null=True)
    distress = BooleanField(default=False)
    distress_note = TextField(null=True)
    created_at = TextField()
    updated_at = TextField()
    import_batch = ForeignKeyField(ImportBatch, null=True, column_name="import_batch_id")

    class Meta:
        table_name = "account"


class Contact(BaseModel):
    account = ForeignKeyField(Account, backref="contacts", column_name="account_id", on_delete="CASCADE")
    name = TextField()
    role = TextField(null=True)
    email = TextField(null=True)
    phone = TextField(null=True)
    is_primary = BooleanField(default=False)
    external_id = TextField(null=True)
    created_at = TextField()
    import_batch = ForeignKeyField(ImportBatch, null=True, column_name="import_batch_id")

    class Meta:
        table_name = "contact"


class Invoice(BaseModel):
    account = ForeignKeyField(Account, backref="invoices", column_name="account_id", on_delete="CASCADE")
    number = TextField()
    kind = TextField(default="invoice")
    invoice_date = DateField()
    due_date = DateField()
    currency = TextField()
    amount_minor = IntegerField()
    po_number = TextField(null=True)
    description = TextField(null=True)
    created_at = TextField()
    import_batch = ForeignKeyField(ImportBatch, null=True, column_name="import_batch_id")
    settled_on = DateField(null=True)

    class Meta:
        table_name = "invoice"


class Payment(BaseModel):
    account = ForeignKeyField(Account, backref="payments", column_name="account_id", on_delete="CASCADE")
    paid_on = DateField()
    currency = TextField()
    amount_minor = IntegerField()
    reference = TextField(null=True)
    method = TextField(null=True)
    source_key = TextField(unique=True)
    created_at = TextField()
    import_batch = ForeignKeyField(ImportBatch, null=True, column_name="import_batch_id")

    class Meta:
        table_name = "payment"


class Allocation(BaseModel):
    invoice = ForeignKeyField(Invoice, backref="allocations", column_name="invoice_id", on_delete="CASCADE")
    payment = ForeignKeyField(Payment, null=True, backref="allocations", column_name="payment_id", on_delete="CASCADE")
    credit_note = ForeignKeyField(Invoice, null=True, backref="credit_allocations", column_name="credit_note_id",
                                  on_delete="CASCADE")
    applied_on = DateField()
    amount_minor = IntegerField()
    created_at = TextField()

    class Meta:
        table_name = "allocation"


class Activity(BaseModel):
    account = ForeignKeyField(Account, backref="activities", column_name="account_id", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, null=True, column_name="contact_id", on_delete="SET NULL")
    occurred_on = DateField()
    occurred_at = TextField()
    channel = TextField()
    outcome = TextField(null=True)
    note = TextField(null=True)
    follow_up_on = DateField(null=True)
    user = TextField()
    created_at = TextField()

    class Meta:
        table_name = "activity"


class Promise(BaseModel):
    account = ForeignKeyField(Account, backref="promises", column_name="account_id", on_delete="CASCADE")
    activity = ForeignKeyField(Activity, null=True, column_name="activity_id", on_delete="SET NULL")
    made_on = DateField()
    pay_by = DateField()
    currency = TextField()
    amount_minor = IntegerField()
    note = TextField(null=True)
    cancelled_on = DateField(null=True)
    user = TextField()
    created_at = TextField()

    class Meta:
        table_name = "promise"


class PromiseInvoice(BaseModel):
    promise = ForeignKeyField(Promise, backref="invoice_links", column_name="promise_id", on_delete="CASCADE")
    invoice = ForeignKeyField(Invoice, column_name="invoice_id", on_delete="CASCADE")

    class Meta:
        table_name = "promise_invoice"
        primary_key = CompositeKey("promise", "invoice")
        without_rowid = True


class PaymentPlan(BaseModel):
    account = ForeignKeyField(Account, backref="plans", column_name="account_id", on_delete="CASCADE")
    created_on = DateField()
    currency = TextField()
    total_minor = IntegerField()
    down_payment_minor = IntegerField(default=0)
    instalment_count = IntegerField()
    frequency = TextField()
    first_date = DateField()
    required_role = TextField()
    status = TextField(default="pending")
    approved_by = TextField(null=True)
    approver_role = TextField(null=True)
    approved_on = DateField(null=True)
    approval_ref = TextField(null=True)
    reviewed_by = TextField(null=True)
    cancelled_on = DateField(null=True)
    note = TextField(null=True)
    user = TextField()
    created_at = TextField()

    class Meta:
        table_name = "payment_plan"


class PlanInstalment(BaseModel):
    plan = ForeignKeyField(PaymentPlan, backref="instalments", column_name="plan_id", on_delete="CASCADE")
    seq = IntegerField()
    due_on = DateField()
    amount_minor = IntegerField()

    class Meta:
        table_name = "plan_instalment"


class Dispute(BaseModel):
    account = ForeignKeyField(Account, backref="disputes", column_name="account_id", on_delete="CASCADE")
    invoice = ForeignKeyField(Invoice, null=True, backref="disputes", column_name="invoice_id", on_delete="CASCADE")
    currency = TextField()
    amount_minor = IntegerField()
    reason = TextField()
    routed_to = TextField(default="billing")
    owner = TextField(null=True)
    status = TextField(default="open")
    opened_on = DateField()
    resolved_on = DateField(null=True)
    credit_note = ForeignKeyField(Invoice, null=True, column_name="credit_note_id", on_delete="SET NULL")
    note = TextField(null=True)
    source_key = TextField(null=True, unique=True)
    user = TextField()
    created_at = TextField()
    import_batch = ForeignKeyField(ImportBatch, null=True, column_name="import_batch_id")

    class Meta:
        table_name = "dispute"


class Escalation(BaseModel):
    account = ForeignKeyField(Account, backref="escalations", column_name="account_id", on_delete="CASCADE")
    target = TextField()
    reason = TextField()
    owner = TextField(null=True)
    opened_on = DateField()
    closed_on = DateField(null=True)
    outcome = TextField(null=True)
    user = TextField()
    created_at = TextField()

    class Meta:
        table_name = "escalation"


class SuspensionEvent(BaseModel):
    account = ForeignKeyField(Account, backref="suspension_events", column_name="account_id", on_delete="CASCADE")
    kind = TextField()
    on_date = DateField()
    approved_by = TextField(null=True)
    approver_role = TextField(null=True)
    approval_ref = TextField(null=True)
    rule = TextField(null=True)
    note = TextField(null=True)
    user = TextField()
    created_at = TextField()

    class Meta:
        table_name = "suspension_event"


class OutboxMessage(BaseModel):
    account = ForeignKeyField(Account, null=True, column_name="account_id", on_delete="SET NULL")
    template = TextField(null=True)
    to_addr = TextField()
    subject = TextField()
    path = TextField(unique=True)
    message_id = TextField(unique=True)
    status = TextField(default="queued")
    created_at = TextField()
    sent_at = TextField(null=True)
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)

    class Meta:
        table_name = "outbox_message"


class ExportRun(BaseModel):
    kind = TextField()
    at = TextField()
    up_to_audit = IntegerField()
    path = TextField(null=True)
    row_count = IntegerField()
    user = TextField()

    class Meta:
        table_name = "export_run"


class QueueCacheState(BaseModel):
    as_of = TextField()
    settings_key = TextField()
    data_version = IntegerField()

    class Meta:
        table_name = "queue_cache_state"


class QueueCache(BaseModel):
    account = ForeignKeyField(Account, primary_key=True, column_name="account_id", on_delete="CASCADE")
    needs_action = BooleanField()
    priority_centi = IntegerField()
    days_past_due = IntegerField()
    key = TextField()
    row = TextField()
    parts = TextField()

    class Meta:
        table_name = "queue_cache"


class AuditLog(BaseModel):
    at = TextField()
    user = TextField()
    action = TextField()
    entity = TextField()
    entity_id = IntegerField(null=True)
    account_id = IntegerField(null=True)
    before = TextField(null=True)
    after = TextField(null=True)
    prev_hash = TextField()
    hash = TextField(unique=True)

    class Meta:
        table_name = "audit_log"


ALL_MODELS = [
    ImportBatch, Account, Contact, Invoice, Payment, Allocation, Activity, Promise, PromiseInvoice,
    PaymentPlan, PlanInstalment, Dispute, Escalation, SuspensionEvent, OutboxMessage, ExportRun, QueueCacheState,
    QueueCache, AuditLog,
]
