"""Words and formulas for the calculator: why a layer fails, what a warning means, and
how each output size and parameter count is computed, with the student's numbers in.

Messages are i18n keys plus the values to fill them (`core.i18n` does the language):
    error_text(err)    -> ("calc.error.<code>", values)   the sentence saying why
    fix_key(err)       -> "calc.fix.<code>"                 what to try instead
    warning_text(i, w) -> ("calc.warning.<code>", values)
Formulas are LaTeX lines, `formulas(spec, input_shape, rf, jump)`, each tagged with
the i18n key of its caption. The arithmetic is the shape engine's (`core.stack.shapes`):
    padding="valid": floor((n - k) / s) + 1     padding="same": ceil(n / s)
    Conv2D params:   (k_h * k_w * C_in + 1) * filters   (no +1 without bias)
    BatchNorm:       4 * C, of which 2 * C (moving mean, variance) not trainable
    Dense:           (n_in + 1) * units
"""
from __future__ import annotations

from math import prod
from typing import NamedTuple

from core.stack.spec import (
    AUGMENTATION, POOLING, ShapeError, display_values, normalize_layer,
)

# bad_argument says what was expected; each expectation has its own sentence.
ARGUMENT_EXPECTATIONS = ("positive_int", "int_or_pair", "positive_int_or_pair", "bool",
                         "rate_0_1", "activation_name", "choice")
ERROR_CODES = ("bad_argument", "bad_input_shape", "bad_layer_spec", "bad_padding",
               "kernel_too_large", "missing_argument", "needs_4d_input",
               "nonpositive_size", "pool_too_small", "unknown_argument", "unknown_layer",
               "zero_stride")


def error_key(err: ShapeError) -> str:
    """The i18n key of the sentence for `err`."""
    if err.code == "bad_argument" and err.details.get("expected") in ARGUMENT_EXPECTATIONS:
        return f"calc.error.bad_argument.{err.details['expected']}"
    return f"calc.error.{err.code}"


def fix_key(err: ShapeError) -> str:
    """The i18n key of the suggested fix for `err`."""
    return f"calc.fix.{err.code}"


def error_text(err: ShapeError) -> tuple[str, dict]:
    """(key, values): the sentence saying why `err`'s layer fails, numbered from 1.

    values has `layer` (1-based), `source` ("input" or "previous", itself an i18n
    key suffix the page translates) and every detail as display text ("3x3").
    """
    values = display_values(err.details)
    values.setdefault("layer_type", "?")
    values["layer"] = str(err.layer_index + 1)
    values["source"] = "input" if err.details.get("from_input") else "previous"
    return error_key(err), values


def warning_text(index: int, warning) -> tuple[str, dict]:
    """(key, values) of a ShapeWarning on layer `index` (0-based)."""
    values = display_values(warning.details)
    values["layer"] = str(index + 1)
    return f"calc.warning.{warning.code}", values


def fmt_int(n: int) -> str:
    """36928 -> '36{,}928': thousands separators that LaTeX does not space out."""
    return f"{n:,}".replace(",", "{,}")


def fmt_bytes(n: int) -> str:
    """4096 -> '4.0 KB': float32 activation memory, powers of 1024."""
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError  # the loop always returns


class Formula(NamedTuple):
    caption: str  # i18n key: what the line computes ("" continues the line before)
    latex: str


def _equation(lhs: str, symbolic: str, numeric: str, result: str) -> str:
    """lhs = symbolic, then on a second line = numbers = result (fits half a page)."""
    return (rf"\begin{{aligned}} {lhs} &= {symbolic} \\ &= {numeric} = {result} "
            rf"\end{{aligned}}")


def _axes(size: tuple, window: tuple, strides: tuple) -> list[tuple[str, int, int, int]]:
    """(LaTeX output symbol, n, k, s) per spatial axis; one line when both agree."""
    axes = [(f"{axis}_{{out}}", n, k, s) for axis, n, k, s in zip("HW", size, window, strides)]
    return [(r"H_{out} = W_{out}", *axes[0][1:])] if axes[0][1:] == axes[1][1:] else axes


def _slide_lines(padding: str, size: tuple, window: tuple, strides: tuple) -> list[Formula]:
    lines = []
    for out, n, k, s in _axes(size, window, strides):
        if padding == "same":
            lines.append(Formula("calc.formula.same", _equation(
                out, r"\left\lceil \frac{n}{s} \right\rceil",
                rf"\left\lceil \frac{{{n}}}{{{s}}} \right\rceil", str(-(-n // s)))))
            continue
        result = (n - k) // s + 1
        lines.append(Formula("calc.formula.valid" if result >= 1 else "calc.formula.negative",
                             _equation(out, r"\left\lfloor \frac{n - k}{s} \right\rfloor + 1",
                                       rf"\left\lfloor \frac{{{n} - {k}}}{{{s}}} \right\rfloor + 1",
                                       f"{result}" + (r" < 1" if result < 1 else ""))))
    return lines


def _receptive_field(rf: tuple, jump: tuple | None, window: tuple, strides: tuple) -> list:
    """Receptive field r and jump j; one pair of lines per axis unless both axes agree."""
    if jump is None:  # only after Flatten, where no window layer can follow
        return []
    axes = list(zip(("H", "W"), rf, jump, window, strides))
    if axes[0][1:] == axes[1][1:]:
        axes = [("", *axes[0][1:])]
    lines = []
    for axis, r, j, k, s in axes:
        sub = f"^{{{axis}}}" if axis else ""
        lines.append(Formula("calc.formula.rf" if not lines else "", _equation(
            f"r{sub}_{{out}}", r"r_{in} + (k - 1)\cdot j_{in}", rf"{r} + ({k} - 1)\cdot {j}",
            str(r + (k - 1) * j))))
        lines.append(Formula("", rf"j{sub}_{{out}} = j_{{in}} \cdot s = {j}\cdot {s} = {j * s}"))
    return lines


def _window_lines(spec: dict, shape: tuple, rf: tuple, jump) -> list[Formula]:
    """Conv2D and pooling: output size per axis, parameters, receptive field."""
    if spec["type"] == "Conv2D":
        window, strides = spec["kernel_size"], spec["strides"]
    else:
        window, strides = spec["pool_size"], spec["strides"] or spec["pool_size"]
    lines = _slide_lines(spec["padding"], shape[:2], window, strides)
    if spec["type"] == "Conv2D":
        (k_h, k_w), c_in, filters = window, shape[2], spec["filters"]
        bias = " + 1" if spec["use_bias"] else ""
        params = (k_h * k_w * c_in + bool(spec["use_bias"])) * filters
        lines.append(Formula("calc.formula.conv_params", _equation(
            r"\text{params}", rf"(k_h \cdot k_w \cdot C_{{in}}{bias}) \cdot \text{{filters}}",
            rf"({k_h} \cdot {k_w} \cdot {c_in}{bias}) \cdot {filters}", fmt_int(params))))
    else:
        lines.append(Formula("calc.formula.channels_kept",
                             rf"C_{{out}} = C_{{in}} = {shape[2]}, \quad \text{{params}} = 0"))
    return lines + _receptive_field(rf, jump, window, strides)


def _vector_lines(spec: dict, shape: tuple) -> list[Formula]:
    """The layers without a window: BatchNormalization, Dense, Flatten, GAP, the rest."""
    layer_type = spec["type"]
    if layer_type == "BatchNormalization":
        c = shape[-1]
        return [Formula("calc.formula.bn", _equation(
            r"\text{params}", r"4 \cdot C", rf"4 \cdot {c}", fmt_int(4 * c))),
                Formula("", rf"\text{{non-trainable}} = 2 \cdot C = 2 \cdot {c} = {fmt_int(2 * c)}")]
    if layer_type == "Dense":
        n, units = shape[-1], spec["units"]
        bias = " + 1" if spec["use_bias"] else ""
        return [Formula("calc.formula.dense", _equation(
            r"\text{params}", rf"(n_{{in}}{bias}) \cdot \text{{units}}",
            rf"({fmt_int(n)}{bias}) \cdot {units}",
            fmt_int((n + bool(spec["use_bias"])) * units)))]
    if layer_type == "Flatten":
        factors = r" \cdot ".join(map(str, shape))
        return [Formula("calc.formula.flatten", rf"n_{{out}} = {factors} = {fmt_int(prod(shape))}")]
    if layer_type == "GlobalAveragePooling2D" and len(shape) == 3:
        return [Formula("calc.formula.gap",
                        rf"({shape[0]}, {shape[1]}, {shape[2]}) \to ({shape[2]},)")]
    if layer_type in ("Activation", "Dropout", *AUGMENTATION):
        caption = ("calc.formula.same_shape" if layer_type == "Activation"
                   else "calc.formula.training_only")  # Dropout, augmentation: fit only
        return [Formula(caption, rf"\text{{output}} = \text{{input}} = {tuple(shape)}, \quad "
                                 rf"\text{{params}} = 0")]
    return []


def formulas(spec: dict, shape: tuple, rf: tuple = (1, 1),
             jump: tuple | None = (1, 1)) -> list[Formula]:
    """How one layer turns `shape` into its output and its parameters, numbers filled in.

    spec: a layer spec (normalised here); shape: its input shape, (H, W, C) or (n,);
    rf, jump: the receptive field and jump of its input (core.stack.shapes.LayerRow).
    An output size below 1 is shown as such: that is where Keras fails. A spec that
    cannot be normalised, or a layer that needs a feature map but gets a vector, has
    no formula (the error says why).
    """
    try:
        spec = normalize_layer(spec)
    except ShapeError:
        return []
    if spec["type"] in ("Conv2D", *POOLING):
        return _window_lines(spec, shape, rf, jump) if len(shape) == 3 else []
    return _vector_lines(spec, shape)
