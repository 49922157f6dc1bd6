"""From a layer list (see core.stack.spec) to a real Keras model, and to the code that builds it.

`build_model` is what the training pages run; `keras_code` is the "show the Keras
code" export, plain Keras a student can paste into a notebook. Both build exactly
the stack that `core.stack.shapes.summarize` describes. TensorFlow and Keras are imported
inside the functions, so importing this module stays cheap.

`weight_decay` (L2 weight decay, core.training.regularise) adds
`kernel_regularizer=keras.regularizers.L2(weight_decay)` to every layer with a kernel
(Conv2D, Dense): the same parameters, a penalty on their size in the loss.
"""
from __future__ import annotations

from core.stack.shapes import try_summarize
from core.stack.spec import POOLING, compact_layer, normalize_input_shape, normalize_layer

KERNELS = ("Conv2D", "Dense")  # the layers whose kernel weight decay pulls toward 0


def layer_from_spec(spec: dict, index: int = 0, weight_decay: float = 0.0):
    """One Keras layer for one spec, every argument passed explicitly."""
    import keras

    full = normalize_layer(spec, index)
    kwargs = {key: value for key, value in full.items() if key != "type"}
    if full["type"] in POOLING and kwargs["strides"] is None:
        kwargs["strides"] = kwargs["pool_size"]  # what Keras does with None
    if weight_decay and full["type"] in KERNELS:
        kwargs["kernel_regularizer"] = keras.regularizers.L2(weight_decay)
    return getattr(keras.layers, full["type"])(**kwargs)


def build_model(input_shape, layers: list[dict], name: str | None = None,
                weight_decay: float = 0.0):
    """A built keras.Sequential: Input(input_shape) then one layer per spec.

    Raises core.stack.spec.ShapeError (with the failing layer's index) instead of Keras'
    own error when the stack is impossible. Layer names are left to Keras.
    """
    import keras

    rows, error = try_summarize(input_shape, layers)
    if error is not None:
        raise error
    shape = normalize_input_shape(input_shape)
    stack = [keras.Input(shape=shape)] + [layer_from_spec(s, i, weight_decay)
                                          for i, s in enumerate(layers)]
    return keras.Sequential(stack, name=name)


def _literal(value) -> str:
    """A Python literal in the style of the Keras docs: "same", (3, 5), 0.5, True."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def layer_code(spec: dict, index: int = 0, weight_decay: float = 0.0) -> str:
    """`keras.layers.Conv2D(filters=64, kernel_size=3, strides=2, padding="same")`."""
    compact = compact_layer(spec, index)
    args = [f"{key}={_literal(value)}" for key, value in compact.items() if key != "type"]
    if weight_decay and compact["type"] in KERNELS:
        args.append(f"kernel_regularizer=keras.regularizers.L2({weight_decay!r})")
    return f"keras.layers.{compact['type']}({', '.join(args)})"


def layer_lines(shape: tuple, layers: list[dict], weight_decay: float = 0.0,
                error_comment: str = "Keras raises an error here") -> list[str]:
    """One indented line per layer, with its output shape (or Keras' error) as a comment."""
    rows, error = try_summarize(shape, layers)
    lines = [f"    {layer_code(spec, i, weight_decay)}," for i, spec in enumerate(layers)]
    for row in rows:
        lines[row.index] += f"  # {row.output_shape}"
    if error is not None and error.layer_index >= 0:
        lines[error.layer_index] += f"  # {error_comment}"
    return lines


def keras_code(input_shape, layers: list[dict], name: str | None = None,
               weight_decay: float = 0.0, error_comment: str = "Keras raises an error here") -> str:
    """Readable Keras 3 code that builds the same model, with output shapes as comments.

    Arguments are only the key ones (filters, kernel_size, units, ...) and those
    that differ from Keras' defaults. For an impossible stack the failing line is
    marked with `error_comment` (in the student's language), and running the code raises
    Keras' own error there.
    """
    shape = normalize_input_shape(input_shape)
    lines = layer_lines(shape, layers, weight_decay, error_comment)
    model_name = "" if name is None else f", name={_literal(name)}"
    return "\n".join([
        "import keras",
        "",
        "model = keras.Sequential([",
        f"    keras.Input(shape={shape}),",
        *lines,
        f"]{model_name})",
        "model.summary()",
        "",
    ])
