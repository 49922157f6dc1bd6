"""The calculator's table: Keras' model.summary() for a stack, plus cost columns.

`summary(input_shape, layers)` never raises. It returns one record per layer, in
order, as plain dicts ready for a DataFrame: the layers the shape engine could
compute, the layer where the stack fails (status "error") and the layers after it
(status "not_reached"), together with the error, the warnings and the totals.
"""
from __future__ import annotations

from typing import NamedTuple

from core.calculator.explain import fmt_bytes
from core.stack.shapes import LayerRow, ShapeError, Totals, totals, try_summarize
from core.stack.spec import KERAS_NAMES, SUPPORTED, ALIASES, pair_text

COLUMNS = ("index", "layer", "output_shape", "params", "trainable",  # as displayed
           "non_trainable", "macs", "receptive_field", "memory")
# Each record also has "name" and "type" on their own ("layer" is "name (type)") and
# "status": "ok", "warning", "error" (the failing layer) or "not_reached" (after it).


class Summary(NamedTuple):
    records: list[dict]        # one per layer, keys COLUMNS
    rows: list[LayerRow]       # the shape engine's rows, up to the failing layer
    error: ShapeError | None
    warnings: list[tuple]      # (layer_index, ShapeWarning)
    totals: Totals             # over the computed rows only


def _type_of(spec) -> str:
    kind = spec.get("type") if isinstance(spec, dict) else None
    kind = ALIASES.get(kind, kind)
    return kind if kind in SUPPORTED else "?"


def keras_shape(shape: tuple) -> str:
    """(16, 16, 64) -> '(None, 16, 16, 64)', as model.summary() prints it."""
    return "(" + ", ".join(["None", *map(str, shape)]) + ")"


def _record(row: LayerRow) -> dict:
    rf = "image" if row.jump is None else pair_text(row.receptive_field)
    return {"index": row.index + 1, "name": row.name, "type": row.type,
            "layer": f"{row.name} ({row.type})", "output_shape": keras_shape(row.output_shape), "params": row.params,
            "trainable": row.trainable_params, "non_trainable": row.non_trainable_params,
            "macs": row.macs, "receptive_field": rf, "memory": fmt_bytes(row.activation_bytes),
            "status": "warning" if row.warnings else "ok"}


def _placeholder(index: int, spec, name: str, status: str) -> dict:
    kind = _type_of(spec)
    return {"index": index + 1, "name": name, "type": kind, "layer": f"{name} ({kind})",
            "output_shape": "",
            "params": None, "trainable": None, "non_trainable": None, "macs": None,
            "receptive_field": "", "memory": "", "status": status}


def summary(input_shape, layers: list) -> Summary:
    """The table of a stack, whatever it holds (see the module docstring)."""
    rows, error = try_summarize(input_shape, layers)
    records = [_record(row) for row in rows]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.type] = counts.get(row.type, 0) + 1
    for index in range(len(rows), len(layers)):
        kind = _type_of(layers[index])
        seen = counts.get(kind, 0)
        counts[kind] = seen + 1
        name = KERAS_NAMES[kind] + (f"_{seen}" if seen else "") if kind != "?" else "?"
        failing = error is not None and index == error.layer_index
        records.append(_placeholder(index, layers[index], name,
                                    "error" if failing else "not_reached"))
    warnings = [(row.index, w) for row in rows for w in row.warnings]
    return Summary(records, rows, error, warnings, totals(rows))
