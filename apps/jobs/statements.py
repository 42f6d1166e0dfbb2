"""The jobs' hot writes, written out: the claim, a progress report and the success are each one conditional
``UPDATE ... RETURNING`` on the job row, and a new job one ``INSERT ... ON CONFLICT DO NOTHING RETURNING``
(SQLite 3.35+ and PostgreSQL), which the ORM does not build.

Each one had been an ORM UPDATE (or a SELECT ... FOR UPDATE) followed by a read of the row for the owner's
push: two statements where one does, on every job. The conditions are the ORM's (status, attempts, lease
owner), so who holds a lease is decided exactly as before; on PostgreSQL an UPDATE waits for a concurrent
writer of the row and re-checks its WHERE on the row it then sees, as SELECT ... FOR UPDATE did.
"""

from datetime import datetime
from functools import cache
from typing import Any, cast

from django.db import connection
from django.db.models import Field, JSONField

from apps.jobs.models import Job

#: What the statements return: what a claim hands the handler and what the owner's push carries.
RETURNED = (
    "kind",
    "owner",
    "payload",
    "attempts",
    "status",
    "progress_done",
    "progress_total",
    "subject_type",
    "subject_id",
    "error",
)


def _column(name: str) -> str:
    field = Job._meta.get_field(name)
    assert isinstance(field, Field)
    return connection.ops.quote_name(str(field.column))


def _update(assignments: str, condition: str) -> str:
    table = connection.ops.quote_name(Job._meta.db_table)
    returning = ", ".join(_column(name) for name in RETURNED)
    return f"UPDATE {table} SET {assignments} WHERE {_column('id')} = %s AND {condition} RETURNING {returning}"  # noqa: S608 - names only


@cache
def claim_sql() -> str:
    """Params: running, lease owner, lease expiry, started, updated, job id, queued."""
    c = _column
    assignments = (
        f"{c('status')} = %s, {c('attempts')} = {c('attempts')} + 1, {c('lease_owner')} = %s, "
        f"{c('lease_expires_at')} = %s, {c('started_at')} = %s, {c('updated_at')} = %s"
    )
    return _update(assignments, f"{c('status')} = %s AND {c('attempts')} < {c('max_attempts')}")


@cache
def progress_sql() -> str:
    """Params: done, total, lease expiry, updated, job id, running, lease owner."""
    c = _column
    assignments = (
        f"{c('progress_done')} = %s, {c('progress_total')} = %s, {c('lease_expires_at')} = %s, {c('updated_at')} = %s"
    )
    return _update(assignments, f"{c('status')} = %s AND {c('lease_owner')} = %s")


@cache
def succeed_sql() -> str:
    """Params: succeeded, result, total, total, finished, updated, job id, running, lease owner.

    The total is the handler's when it told one, else the row's; done is that total when there is one, else
    unchanged (the right-hand sides of SET read the row as it was)."""
    c = _column
    total, done = c("progress_total"), c("progress_done")
    assignments = (
        f"{c('status')} = %s, {c('result')} = %s, {total} = COALESCE(%s, {total}), "
        f"{done} = COALESCE(%s, {total}, {done}), {c('error_code')} = '', {c('error')} = '', "
        f"{c('lease_owner')} = '', {c('lease_expires_at')} = NULL, {c('finished_at')} = %s, {c('updated_at')} = %s"
    )
    return _update(assignments, f"{c('status')} = %s AND {c('lease_owner')} = %s")


def when(value: datetime) -> Any:
    """A time stamp as the ORM sends it for a DateTimeField."""
    return Job._meta.get_field("updated_at").get_db_prep_value(value, connection)


def json_value(value: Any) -> Any:
    """A JSON value as the ORM sends it for a JSONField."""
    return Job._meta.get_field("result").get_db_prep_save(value, connection)


def returning(sql: str, params: list[Any], job_id: int) -> Job | None:
    """Runs one of the statements above; the row it updated as an unsaved Job (only the returned fields are
    set), or None when its condition matched no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip(RETURNED, row, strict=True))
    payload_field = cast("JSONField[Any]", Job._meta.get_field("payload"))
    payload = payload_field.from_db_value(values.pop("payload"), None, connection)  # type: ignore[arg-type]
    owner_id = values.pop("owner")
    return Job(pk=job_id, owner_id=owner_id, payload=payload, **values)


@cache
def _insert_sql() -> str:
    table = connection.ops.quote_name(Job._meta.db_table)
    fields = _inserted_fields()
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    key, pk = _column("idempotency_key"), _column("id")
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - names only
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"
    )


@cache
def _inserted_fields() -> list[Field[Any, Any]]:
    return [field for field in Job._meta.concrete_fields if not field.primary_key]


def insert_unless_key_taken(job: Job) -> bool:
    """Inserts ``job`` as ``Model.save()`` would (defaults, ``auto_now(_add)`` stamps, values prepared by each
    field) unless a job with its idempotency key exists; False then. A NULL key never conflicts."""
    params = [field.get_db_prep_save(field.pre_save(job, True), connection) for field in _inserted_fields()]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return False
    job.pk = row[0]
    job._state.adding = False
    job._state.db = connection.alias
    return True
