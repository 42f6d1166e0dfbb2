"""Prepared reads: an ORM queryset of a fixed shape compiled to SQL once per process, run with new values.

Building a queryset, compiling it to SQL and making a model instance of every row are most of a hot list
read's CPU, and they give the same SQL on every request; only the values change (the learner, a filter, the
page). ``PreparedRead`` builds the queryset once per database alias from *sentinel* values, keeps the SQL and
where each sentinel lands among its parameters, and per request only executes that SQL with the real values
through the connection's cursor. Rows are converted by the converters Django's compiler itself would apply
(the backend's, e.g. SQLite's text datetimes, then each field's ``from_db_value``, e.g. JSON), so a row holds
exactly the values the ORM would have put on the instance; it is a light ``Row`` (attribute access by the
fields' ``attname``), not a model instance, for output serializers.

A page is read with ``LIMIT %s OFFSET %s`` appended to the compiled SQL (both backends take it), and the
queryset may carry a ``COUNT(*) OVER ()`` column for the total (``PreparedRead.page``). The shape must not
depend on the values (a filter present or not is another shape: another ``PreparedRead``). ADR 0027.
"""

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from django.db import connections
from django.db.models import Count, QuerySet, Window
from django.db.models.expressions import Col

#: The name of the total column ``PreparedRead.page`` adds.
TOTAL = "_prepared_total"
_INT_BASE = -7_346_912_000
_TEXT_PREFIX = "\x00prepared:"
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class Row:
    """One row's values as attributes (``row.id``, ``row.created_at``): what an output serializer reads."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Row({self.__dict__!r})"

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...


class Sentinel:
    """A placeholder for a value given per execution: an int or a text, unlike any real value."""

    def __init__(self, name: str, kind: type) -> None:
        if kind not in (int, str):
            raise TypeError(f"{name}: a prepared value is an int or a str")
        self.name = name
        self.kind = kind

    def value(self, position: int) -> int | str:
        return _INT_BASE - position if self.kind is int else f"{_TEXT_PREFIX}{self.name}"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: list[tuple[bool, Any]]  # (is a sentinel, its name or the constant value)
    names: list[str]
    converters: list[tuple[int, list[Callable[..., Any]], Any]]


class PreparedRead:
    """``build(**values)`` returns the queryset for the given values; it is called once per database alias,
    with sentinels, and must keep each value as a query parameter (a filter's value, not a slice). An int value
    is one an equality filter compares: one outside 64 bits matches no row."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *, values: dict[str, type], with_total: bool = False):
        self._build = build
        self._sentinels = {name: Sentinel(name, kind) for name, kind in values.items()}
        self._with_total = with_total
        self._int_names = [name for name, kind in values.items() if kind is int]
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = "default", limit: int | None = None, offset: int = 0, **values: Any) -> list[Row]:
        compiled = self._compiled_for(using)
        if any(not _INT64_MIN <= values[name] <= _INT64_MAX for name in self._int_names):
            return []  # equal to no row (the ORM finds none either); SQLite could not even take it
        params = [values[value] if is_sentinel else value for is_sentinel, value in compiled.params]
        sql = compiled.sql
        if limit is not None:
            sql = f"{sql} LIMIT %s OFFSET %s"
            params += [int(limit), int(offset)]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        return [Row(dict(zip(compiled.names, _converted(row, compiled, connection), strict=True))) for row in fetched]

    def page(self, *, using: str = "default", limit: int, offset: int, **values: Any) -> tuple[list[Row], int | None]:
        """A page of rows and the total before ``LIMIT``/``OFFSET`` (None when the page is empty: the total is
        then unknown, as with the ORM's window)."""
        if not self._with_total:
            raise ValueError("this read was prepared without a total (with_total=True)")
        rows = self.rows(using=using, limit=limit, offset=offset, **values)
        if not rows:
            return rows, None
        total = int(getattr(rows[0], TOTAL))
        for row in rows:
            del row.__dict__[TOTAL]
        return rows, total

    def queryset(self, **values: Any) -> QuerySet[Any]:
        """The ORM queryset for these values: the reference the prepared SQL is tested against."""
        return self._build(**values)

    def is_supported(self, using: str = "default") -> bool:
        return not self._with_total or bool(connections[using].features.supports_over_clause)

    def listed(self, *, using: str = "default", **values: Any) -> "PreparedList | QuerySet[Any]":
        """The rows for ``values`` as a paginated list, or, where the database has no window functions, the
        selector's own queryset for them (what the prepared read was built from)."""
        if not self.is_supported(using):
            return self.queryset(**values)
        return PreparedList(self, using=using, **values)

    def _compiled_for(self, using: str) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        return compiled

    def _compile(self, using: str) -> _Compiled:
        sentinels = {name: sentinel.value(index) for index, (name, sentinel) in enumerate(self._sentinels.items())}
        queryset = self._build(**sentinels)
        if self._with_total:
            queryset = queryset.annotate(**{TOTAL: Window(Count("pk"))})
        query = queryset.query
        if query.is_sliced:
            raise ValueError("a prepared read is not sliced: rows() takes limit and offset")
        compiler = query.get_compiler(using=using)
        sql, raw_params = compiler.as_sql()
        by_value = {value: name for name, value in sentinels.items()}
        params: list[tuple[bool, Any]] = []
        for param in raw_params:
            name = by_value.get(param) if isinstance(param, int | str) else None
            params.append((True, name) if name is not None else (False, param))
        missing = set(sentinels) - {name for is_sentinel, name in params if is_sentinel}
        if missing or any(_TEXT_PREFIX in str(value) for is_sentinel, value in params if not is_sentinel):
            raise ValueError(f"values not kept as parameters: {sorted(missing) or 'transformed'}")
        selected = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
        names = [_name(expression, alias) for (expression, _, alias) in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(selected)
        return _Compiled(
            sql=sql,
            params=params,
            names=names,
            converters=[(index, functions, expression) for index, (functions, expression) in converters.items()],
        )


def _name(expression: Any, alias: str | None) -> str:
    if alias:
        return alias
    if isinstance(expression, Col):
        return str(expression.target.attname)
    raise ValueError(f"a selected expression without a name: {expression!r}")


def _converted(row: Sequence[Any], compiled: _Compiled, connection: Any) -> Iterable[Any]:
    if not compiled.converters:
        return row
    values = list(row)
    for index, functions, expression in compiled.converters:
        value = values[index]
        for convert in functions:
            value = convert(value, expression, connection)
        values[index] = value
    return values


class PreparedList(Sequence[Row]):
    """The rows of a prepared read for given values, as a sequence a paginator slices and counts.

    ``page(limit, offset)`` reads a page and its total in one query (``apps.core.pagination`` uses it);
    slicing reads just the slice; ``len()`` counts through the ORM (only a page past the end needs it)."""

    def __init__(self, read: PreparedRead, *, using: str = "default", **values: Any) -> None:
        self.read = read
        self.using = using
        self.values = values

    def page(self, *, limit: int, offset: int) -> tuple[list[Row], int | None]:
        return self.read.page(using=self.using, limit=limit, offset=offset, **self.values)

    def __len__(self) -> int:
        return int(self.read.queryset(**self.values).using(self.using).count())

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, int):
            if index < 0:
                raise IndexError("a prepared list is not indexed from its end")
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        start, stop, step = index.start or 0, index.stop, index.step
        if step not in (None, 1) or start < 0 or (stop is not None and stop < start):
            raise ValueError("a prepared list takes forward slices only")
        limit = None if stop is None else stop - start
        if limit is None and start:
            raise ValueError("a prepared list slice from an offset needs its end")
        rows = self.read.rows(using=self.using, limit=limit, offset=start, **self.values)
        for row in rows:
            row.__dict__.pop(TOTAL, None)
        return rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self[:])
