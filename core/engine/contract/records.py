"""Frozen dataclasses that travel as JSON and are checked at the door.

`Record.from_dict` builds a record from decoded JSON only if every field is present,
none is unknown and each value has its declared type (nested records, tuples, unions,
string enums included); anything else raises `ContractError`. `to_dict` goes back.
The job contract (core.engine.contract) is made of these.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from enum import StrEnum
from typing import Any, Union


class ContractError(ValueError):
    """A config or event that does not follow the contract (a bug, or a foreign file)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(kind: type, value: Any, name: str) -> Any:
    """value converted to the annotated type `kind`, or ContractError."""
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        for option in (o for o in options if o is not type(None)):
            try:
                return _check(option, value, name)
            except ContractError:
                continue
        raise ContractError(f"{name}: {value!r} fits none of {kind}")
    if origin is tuple:
        args = typing.get_args(kind)
        if not isinstance(value, (list, tuple)):
            raise ContractError(f"{name}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_check(args[0], v, name) for v in value)
        if len(args) != len(value):
            raise ContractError(f"{name}: expected {len(args)} items, got {len(value)}")
        return tuple(_check(a, v, name) for a, v in zip(args, value))
    if origin is dict or kind is dict:
        if not isinstance(value, dict):
            raise ContractError(f"{name}: expected an object, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(kind):
        return value if isinstance(value, kind) else kind.from_dict(value)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        try:
            return kind(value)
        except ValueError:
            allowed = [m.value for m in kind]
            raise ContractError(f"{name}: {value!r} is not one of {allowed}") from None
    if kind is bool:
        if not isinstance(value, bool):
            raise ContractError(f"{name}: expected true or false, got {value!r}")
        return value
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ContractError(f"{name}: expected a whole number, got {value!r}")
        return value
    if kind is float:
        if not _is_number(value):
            raise ContractError(f"{name}: expected a number, got {value!r}")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ContractError(f"{name}: expected text, got {value!r}")
        return value
    raise ContractError(f"{name}: no rule for {kind}")  # a field type this module forgot


@functools.cache
def _hints(cls: type) -> dict:
    return typing.get_type_hints(cls)


class Record:
    """Strict (de)serialisation for the frozen dataclasses below: every field present,
    none unknown, each of its declared type."""

    @classmethod
    def from_dict(cls, data: Any):
        if not isinstance(data, dict):
            raise ContractError(f"{cls.__name__}: expected an object, got {data!r}")
        hints = _hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = set(data) - set(names) - {"event"}
        missing = [n for n in names if n not in data]
        if unknown or missing:
            raise ContractError(f"{cls.__name__}: missing {missing}, unknown {sorted(unknown)}")
        return cls(**{n: _check(hints[n], data[n], f"{cls.__name__}.{n}") for n in names})

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _plain(value: Any) -> Any:
    """JSON-ready: records as dicts, tuples as lists, enums as their strings."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, StrEnum):
        return value.value
    return value


def event_name(kind: type) -> str | None:
    """"batch" for BatchEvent: an event's name on the wire; None for other records."""
    name = kind.__name__
    return name.removesuffix("Event").lower() if name.endswith("Event") else None


def to_line(record: Record) -> str:
    """One JSON line; an event carries its name as "event"."""
    data = record.to_dict()
    name = event_name(type(record))
    return json.dumps({"event": name, **data} if name else data)


def from_line(line: str, kinds: dict) -> Record:
    """The record a JSON line holds: kinds maps its "event" name (None: no name) to the
    record's class. ContractError for anything else."""
    try:
        data = json.loads(line)
    except ValueError:
        raise ContractError(f"not JSON: {line[:80]!r}") from None
    kind = kinds.get(data.get("event")) if isinstance(data, dict) else None
    if kind is None:
        raise ContractError(f"not one of {sorted(map(str, kinds))}: {line[:80]!r}")
    return kind.from_dict(data)
