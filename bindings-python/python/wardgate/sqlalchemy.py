"""A list filter as a SQLAlchemy ``WHERE`` clause: ``pip install wardgate[sqlalchemy]``.

::

    from sqlalchemy import select
    from wardgate.sqlalchemy import where

    f = engine.filter(principal, "read", "todo")
    rows = session.scalars(select(Todo).where(where(f, Todo))).all()

The rows selected are exactly those whose resource ``authorize`` would allow (a ``NULL``
column is an absent attribute). The clause is built from SQLAlchemy constructs (columns,
typed bound parameters, ``IN``, ``IS NULL``, ``CAST``), never from SQL text: values are
bound parameters. It runs on SQLite and PostgreSQL; compiling it for another dialect raises
:class:`wardgate.FilterError`.

Each attribute a rule reads is the column of the same name of the mapped class or ``Table``
(for a mapped class, the mapped attribute of that name), unless ``columns`` maps it to
another one: a column of a joined table (``{"tenant": Project.tenant_id}``), any column
expression, or the name of another column of the same table. Column types are read from
SQLAlchemy's: ``String``, ``Text``, ``Unicode`` and an ``Enum`` of strings are ``text``;
``Integer``, ``BigInteger`` and ``SmallInteger`` are ``integer``; ``Float`` and ``Double``
(double precision) are ``real``; ``Boolean`` is ``boolean``. Any other type (``Numeric``,
``REAL`` or ``Float(precision=24)``, which PostgreSQL stores as a 4-byte float, dates, JSON,
a ``TypeDecorator``...) is a :class:`wardgate.FilterError` (``FILTER_COLUMNS``) naming the
column: never a wider clause. An attribute that is not a column is absent from every row, as
it is from a resource built from the row's columns (a permit that reads it never applies, a
forbid that reads it always does).

The dialect decides one thing: PostgreSQL's ``text`` cannot hold a NUL character, so a
comparison with a string that holds one is false there and not on SQLite. The clause is
therefore an element compiled per dialect: when SQLAlchemy compiles the statement, the
clause asks the engine's core for the filter folded for that dialect and renders it. A
statement holding it is compiled anew for each execution (SQLAlchemy's statement cache
skips it); everything else about it is ordinary SQLAlchemy.

The clause is two-valued only inside a ``WHERE``: it may be ``NULL`` where a column it
reads is ``NULL``. Do not negate it (``~where(...)`` is not "the rows refused"). It reads
the very columns it was given: to filter an alias, pass the aliased class (or the alias's
columns), since SQLAlchemy does not adapt the clause to it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    Enum,
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    false,
    inspect,
    or_,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement, Grouping
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import REAL, TypeDecorator, TypeEngine

from . import Filter, FilterError

__all__ = ["column_type", "where"]

#: What ``columns`` may map an attribute to: a column, a mapped attribute
#: (``Model.column``), any column expression, or the name of a column of the table.
ColumnLike = Union[str, ColumnElement[Any], Any]


def where(
    filter: Filter,
    table_or_model: Any,
    columns: Optional[Mapping[str, ColumnLike]] = None,
) -> ColumnElement[bool]:
    """The rows of ``table_or_model`` (a mapped class, an aliased class or a ``Table``) that
    ``filter`` selects, as a boolean clause for ``select(...).where(...)``.

    ``true()`` when the filter's kind is ``always``, ``false()`` when it is ``never``.
    Raises :class:`wardgate.FilterError` when an attribute a rule reads is a column of a
    type that cannot be compared exactly (see the module's documentation)."""
    if not isinstance(filter, Filter):
        raise TypeError(f"filter must be a wardgate.Filter, not {type(filter).__name__}")
    if filter.kind == "always":
        return true()
    if filter.kind == "never":
        return false()
    source = _Source(table_or_model)
    overrides = dict(columns or {})
    exprs: Dict[str, ColumnElement[Any]] = {}
    types: Dict[str, str] = {}
    for attr in filter.attributes:
        expr = source.resolve(overrides[attr]) if attr in overrides else source.column(attr)
        if expr is None:
            continue  # not a column: absent from every row
        types[attr] = column_type(expr, attr)
        exprs[attr] = expr
    # The errors that do not depend on the dialect (an untranslatable test) are raised here
    # rather than when the statement is compiled.
    filter.clause("sqlite", types)
    return _FilterClause(filter, exprs, types)


def column_type(column: Any, attr: Optional[str] = None) -> str:
    """The filter's type name of a column (``"text"``, ``"integer"``, ``"real"`` or
    ``"boolean"``) from its SQLAlchemy type; :class:`wardgate.FilterError`
    (``FILTER_COLUMNS``) for any other type."""
    expr = _expression(column)
    sql_type: TypeEngine[Any] = expr.type
    name = _type_name(sql_type)
    if name is None:
        what = f"the column {_describe(expr)}" + (f" (resource.{attr})" if attr else "")
        raise FilterError(
            f"{what} has the type {sql_type!r}, which a filter cannot compare exactly "
            "(String, Text, Enum of strings, Integer, BigInteger, SmallInteger, Float, Double or Boolean)",
            "FILTER_COLUMNS",
        )
    return name


def _type_name(sql_type: TypeEngine[Any]) -> Optional[str]:
    if isinstance(sql_type, TypeDecorator):
        return None  # it may change values on their way in or out
    if isinstance(sql_type, Boolean):
        return "boolean"
    if isinstance(sql_type, Enum):
        return "text" if sql_type.enum_class is None else None
    if isinstance(sql_type, String):
        return "text"
    if isinstance(sql_type, Integer):
        return "integer"
    if isinstance(sql_type, Float):
        # REAL, and FLOAT(p) with p <= 24, are 4-byte floats in PostgreSQL.
        if isinstance(sql_type, REAL) or (sql_type.precision is not None and sql_type.precision <= 24):
            return None
        return "real"
    return None


def _describe(expr: ColumnElement[Any]) -> str:
    table = getattr(expr, "table", None)
    name = getattr(expr, "name", None) or getattr(expr, "key", None)
    if name is None:
        return repr(str(expr))
    table_name = getattr(table, "name", None)
    return repr(f"{table_name}.{name}" if table_name else name)


def _expression(column: Any) -> ColumnElement[Any]:
    """A column, a mapped attribute or a column expression as a ``ColumnElement``."""
    element = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    if not isinstance(element, ColumnElement):
        raise TypeError(f"a column must be a SQLAlchemy column or column expression, not {type(column).__name__}")
    return element


class _Source:
    """The columns of a mapped class, an aliased class or a ``Table`` (any ``FromClause``)."""

    def __init__(self, table_or_model: Any) -> None:
        self.table: Optional[FromClause] = None
        self.entity: Any = None
        if isinstance(table_or_model, FromClause):
            self.table = table_or_model
            return
        info = inspect(table_or_model, raiseerr=False)
        mapper = getattr(info, "mapper", None)
        if mapper is None:
            raise TypeError(
                f"table_or_model must be a mapped class or a Table, not {type(table_or_model).__name__}"
            )
        self.entity = table_or_model
        self.mapper = mapper

    def column(self, name: str) -> Optional[ColumnElement[Any]]:
        """The column of the attribute called ``name``, or ``None``."""
        if self.table is not None:
            return self.table.c.get(name)
        if name not in self.mapper.column_attrs:
            return None
        return _expression(getattr(self.entity, name))

    def resolve(self, column: ColumnLike) -> ColumnElement[Any]:
        """What ``columns`` maps an attribute to, as a column expression."""
        if isinstance(column, str):
            found = self.column(column)
            if found is None:
                raise FilterError(f"columns: {column!r} is not a column of the table", "FILTER_COLUMNS")
            return found
        return _expression(column)


class _FilterClause(ColumnElement[bool]):
    """A filter's clause, folded for the dialect it is compiled for (see the module)."""

    __visit_name__ = "wardgate_filter"
    type = Boolean()
    # Its bound parameters are made when it is compiled: a cached compilation would keep
    # the first values, so statements holding it are not cached.
    inherit_cache = False

    def __init__(self, filter: Filter, exprs: Dict[str, ColumnElement[Any]], types: Dict[str, str]) -> None:
        self.filter = filter
        self.exprs = exprs
        self.types = types

    @property
    def _from_objects(self) -> List[FromClause]:
        # The tables of its columns, so that a statement selecting nothing else
        # (``select(func.count()).where(...)``) has them in its FROM.
        return [table for expr in self.exprs.values() for table in expr._from_objects]

    def self_group(self, against: Any = None) -> ColumnElement[Any]:
        # In parentheses wherever it stands (it may be an OR), and never compared with 1 as
        # a lone boolean value is on SQLite.
        return Grouping(self)

    def build(self, dialect: str) -> ColumnElement[bool]:
        """The clause of ``dialect`` (SQLAlchemy's dialect name) in SQLAlchemy constructs."""
        return _Builder(self.exprs, self.types).clause(self.filter.clause(dialect, self.types))


@compiles(_FilterClause)
def _compile(element: _FilterClause, compiler: Any, **kw: Any) -> str:
    text: str = compiler.process(element.build(compiler.dialect.name), **kw)
    return text


#: The SQLAlchemy types of the bound values, by the clause's type names (PostgreSQL: text,
#: bigint, double precision, boolean).
_BIND_TYPES: Dict[str, Callable[[], TypeEngine[Any]]] = {
    "text": Text,
    "integer": BigInteger,
    "real": Double,
    "boolean": Boolean,
}

#: The Python value of a bound value, by type name (an integer beyond 2**53 - 1 arrives as a
#: decimal string).
_VALUES: Dict[str, Callable[[Any], Any]] = {"text": str, "integer": int, "real": float, "boolean": bool}

_OPERATORS: Dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Builder:
    """The core's clause JSON as SQLAlchemy constructs: one node for one node."""

    def __init__(self, exprs: Dict[str, ColumnElement[Any]], types: Dict[str, str]) -> None:
        self.exprs = exprs
        self.types = types

    def clause(self, node: Any) -> ColumnElement[bool]:
        if node is True:
            return true()
        if node is False:
            return false()
        if not isinstance(node, dict):
            raise FilterError(f"unexpected clause {node!r}", "FILTER_INVALID")
        if "and" in node:
            return and_(*[self.clause(n) for n in node["and"]])
        if "or" in node:
            return or_(*[self.clause(n) for n in node["or"]])
        if "is_null" in node:
            return self.exprs[node["is_null"]].is_(None)
        if "not_null" in node:
            return self.exprs[node["not_null"]].is_not(None)
        if "compare" in node:
            op = _OPERATORS[node["compare"]]
            as_type = node["type"]
            left = self.operand(node["attr"], as_type)
            if "other" in node:
                return op(left, self.operand(node["other"], as_type))  # type: ignore[no-any-return]
            return op(left, self.value(node["value"], as_type))  # type: ignore[no-any-return]
        if "in" in node or "not_in" in node:
            attr = node["in"] if "in" in node else node["not_in"]
            as_type = node["type"]
            column = self.operand(attr, as_type)
            values = [self.value(v, as_type) for v in node["values"]]
            return column.in_(values) if "in" in node else column.not_in(values)
        raise FilterError(f"unexpected clause {sorted(node)!r}", "FILTER_INVALID")

    def operand(self, attr: str, as_type: str) -> ColumnElement[Any]:
        """The column of ``attr``, compared as ``as_type``: an integer column compared as
        ``real`` is cast to a double, and an ``Enum`` column read as text."""
        expr = self.exprs[attr]
        if as_type == "real" and self.types[attr] != "real":
            return cast(expr, Double())
        if isinstance(expr.type, Enum):
            return cast(expr, Text())
        return expr

    @staticmethod
    def value(value: Any, as_type: str) -> Any:
        return bindparam(None, _VALUES[as_type](value), type_=_BIND_TYPES[as_type](), unique=True)

