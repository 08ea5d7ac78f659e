"""The update path's prebuilt statements, run on the sqlite3 cursor directly.

Every update runs the same dozen statements (the claim and its replies, who is talking,
the dialog, the station, the ledger writes). They are built once at import
(`storage/repositories/base.py` `prebuilt`), so SQLAlchemy only looks their compiled form
up — yet each execution still costs it an execution context, parameter construction
(`construct_params` walking every bind), bind and result processors through its
dispatch, event hooks and a result object: 40–60 µs a statement against 5–20 µs for
sqlite3 itself (py-spy of `benchmarks/ledger_intake`, a quarter of an update's time).

Here a registered statement is compiled once per (statement, parameter names) by
SQLAlchemy itself for the SQLite dialect, and what that compilation decided is kept as a
plan: the SQL string, for each `?` where its value comes from (the parameters, a default
or a callable on the bind) and the type's own bind processor, and for each result column
its key and the type's own result processor. Running a plan is a tuple build, one
`cursor.execute` and the processors: the same SQL, the same values, the same Python values
back. What the plan cannot reproduce exactly is left to SQLAlchemy (`plan` returns None):
expanding or literal-rendered binds, Python-side column defaults, escaped bind names,
executemany, a connection not in a transaction, and any engine with statement listeners
(the benchmark's SQL tally hooks `before_cursor_execute`, so it still sees every statement).

Errors are raised as SQLAlchemy raises them (`DBAPIError.instance`: IntegrityError,
OperationalError for "database is locked"), so callers' handling is unchanged.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc

_MISSING = object()

# id → statement, for the statements built once at import (`prebuilt`); the statement is
# kept so that an id reused by another object is never mistaken for it.
REGISTERED: dict[int, Any] = {}


def prebuilt(statement: Any) -> Any:
    """Mark a module-level statement for the fast path; returns it unchanged."""
    REGISTERED[id(statement)] = statement
    return statement


@dataclass(frozen=True)
class _Bind:
    keys: tuple[str, ...]  # the parameter names that fill it, in SQLAlchemy's order
    default: Any  # a value, or _MISSING (required)
    call: Callable[[], Any] | None  # bindparam(callable_=…)
    process: Callable[[Any], Any] | None


@dataclass(frozen=True)
class Plan:
    sql: str
    binds: tuple[_Bind, ...]
    row: type | None  # a named tuple class; None for a statement without result columns
    processors: tuple[Callable[[Any], Any] | None, ...]

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for bind in self.binds:
            value = _MISSING
            for key in bind.keys:
                if key in params:
                    value = params[key]
                    break
            if value is _MISSING:
                if bind.call is not None:
                    value = bind.call()
                elif bind.default is _MISSING:
                    raise exc.StatementError(
                        f"A value is required for bind parameter {bind.keys[-1]!r}",
                        self.sql,
                        {},
                        None,
                    )
                else:
                    value = bind.default
            out.append(value if bind.process is None else bind.process(value))
        return tuple(out)

    def rows(self, fetched: list[tuple[Any, ...]]) -> list[Any]:
        row, processors = self.row, self.processors
        assert row is not None
        if not any(processors):
            return [row._make(values) for values in fetched]
        return [
            row._make(
                value if process is None else process(value)
                for process, value in zip(processors, values, strict=True)
            )
            for values in fetched
        ]


def _row_class(keys: Sequence[str]) -> type | None:
    if len(set(keys)) != len(keys) or not all(
        k.isidentifier() and not k.startswith("_") for k in keys
    ):
        return None
    base = namedtuple("Row", keys)  # type: ignore[misc]

    class Row(base):  # type: ignore[valid-type,misc]
        """Attribute access, indexing and `_mapping`, as SQLAlchemy's Row offers."""

        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(self._fields, self, strict=True))

    return Row


def build_plan(statement: Any, dialect: Any, keys: tuple[str, ...]) -> Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if (
        not compiled.positional
        or compiled.positiontup is None
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.escaped_bind_names
        or getattr(compiled, "insert_prefetch", ())
        or getattr(compiled, "update_prefetch", ())
        or any(b.expanding for b in compiled.binds.values())
    ):
        return None
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    processors = compiled._bind_processors
    binds = []
    for name in compiled.positiontup:
        bindparam = by_name[name]
        binds.append(
            _Bind(
                keys=(bindparam.key, name) if bindparam.key != name else (name,),
                default=_MISSING if bindparam.required else bindparam.value,
                call=bindparam.callable,
                process=processors.get(name),
            )
        )
    columns = compiled._result_columns or []
    row = None
    result_processors: tuple[Any, ...] = ()
    if columns:
        row = _row_class([column.keyname for column in columns])
        if row is None:
            return None
        result_processors = tuple(
            column.type._cached_result_processor(dialect, None) for column in columns
        )
    return Plan(compiled.string, tuple(binds), row, result_processors)


class FastResult:
    """What the repositories read from a result: rows, a scalar, the rowcount."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def all(self) -> list[Any]:
        return list(self._rows)

    fetchall = all

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise (exc.NoResultFound if not self._rows else exc.MultipleResultsFound)(
                "expected exactly one row"
            )
        return self._rows[0]

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise exc.MultipleResultsFound("expected at most one row")
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]


# (dialect class, paramstyle) → (statement id, parameter names) → plan; statements are
# module-level and live as long as the process, so their ids are stable.
_PLANS: dict[tuple[type, str], dict[tuple[int, tuple[str, ...]], Plan | None]] = {}


class FastSqlite:
    """Plans for registered statements on one SQLite engine's dialect."""

    def __init__(self, dialect: Any, registered: Mapping[int, Any] = REGISTERED) -> None:
        self.dialect = dialect
        self.registered = registered
        # Shared by every group of this dialect kind: an app (a test, a benchmark round)
        # does not compile the statements again.
        self._plans = _PLANS.setdefault((type(dialect), dialect.paramstyle), {})

    def plan(self, statement: Any, params: Any) -> Plan | None:
        """The plan for `statement` with these parameters (a dict, or a list of dicts with
        the same names for an executemany of a statement without result rows)."""
        if self.registered.get(id(statement)) is not statement:
            return None
        if isinstance(params, list):
            first = params[0] if params else None
            if not isinstance(first, dict) or any(p.keys() != first.keys() for p in params):
                return None
            plan = self.plan(statement, first)
            return plan if plan is not None and plan.row is None else None
        if not isinstance(params, dict):
            return None
        key = (id(statement), tuple(params))
        try:
            return self._plans[key]
        except KeyError:
            plan = self._plans[key] = build_plan(statement, self.dialect, tuple(sorted(params)))
            return plan

    def driver(self, cursor: sqlite3.Cursor, sql: str) -> None:
        try:
            cursor.execute(sql)
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                sql, (), error, sqlite3.Error, dialect=self.dialect
            ) from error

    def run(self, cursor: sqlite3.Cursor, plan: Plan, params: Any) -> FastResult:
        if isinstance(params, list):
            values: Any = [plan.values(one) for one in params]
            try:
                cursor.executemany(plan.sql, values)
            except sqlite3.Error as error:
                raise exc.DBAPIError.instance(
                    plan.sql, values, error, sqlite3.Error, dialect=self.dialect
                ) from error
            return FastResult([], cursor.rowcount)
        values = plan.values(params)
        try:
            cursor.execute(plan.sql, values)
            fetched = cursor.fetchall() if plan.row is not None else None
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                plan.sql, values, error, sqlite3.Error, dialect=self.dialect
            ) from error
        rows = plan.rows(fetched) if fetched is not None else []
        return FastResult(rows, cursor.rowcount)
