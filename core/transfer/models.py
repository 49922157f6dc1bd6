"""Keras models for transfer learning: an extractor, a new head, frozen or fine-tuned.

The notebook's section 3 builds a shared extractor, trains it with a superclass head,
saves it, loads it and reuses it. Here the same idea drives four recipes, all built
as Input -> extractor -> Flatten -> Dense(n_classes, softmax):

    pretrain  fresh extractor, trained with the head; the extractor is saved afterwards
    scratch   fresh extractor of the same architecture (the baseline)
    frozen    loaded extractor, not trainable: only the head learns (feature extraction)
    finetune  loaded extractor: first frozen, then unfrozen with a low learning rate

BatchNormalization must stay in inference mode while a loaded extractor is
fine-tuned, or its learned statistics are overwritten by the new data's. The Keras
guide calls the base with `training=False`; we do too, but in Keras 3 that alone is
not enough: `fit` calls the whole model with training=True and the functional graph
passes that down over the recorded False (checked here with Keras 3.15; see
keras-team/keras#20285). What does hold is that a BatchNormalization layer with
`trainable = False` always runs in inference mode, so `unfreeze` leaves those layers
frozen. TensorFlow is imported inside the functions.
"""
from __future__ import annotations

RECIPES = ("pretrain", "scratch", "frozen", "finetune")
EXTRACTOR_NAME = "extractor"  # the sub-model's name inside every transfer model


def load_extractor(path: str):
    """A saved extractor, loaded without ever running code from the file."""
    import keras

    return keras.saving.load_model(path, safe_mode=True, compile=False)


def fresh_extractor(input_shape, layers: list[dict]):
    """A new extractor from layer specs (see core.stack.spec), with fresh weights."""
    from core.stack.build import build_model

    return build_model(tuple(input_shape), layers, name=EXTRACTOR_NAME)


def transfer_model(recipe: str, input_shape, n_classes: int, extractor_layers=None,
                   extractor_path: str | None = None):
    """(model, extractor) for a recipe; the extractor is frozen for frozen/finetune."""
    import keras

    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}")
    loaded = recipe in ("frozen", "finetune")
    extractor = (load_extractor(extractor_path) if loaded
                 else fresh_extractor(input_shape, extractor_layers))
    inputs = keras.Input(shape=tuple(input_shape))
    features = extractor(inputs, training=False) if loaded else extractor(inputs)
    flat = keras.layers.Flatten()(features)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(flat)
    if loaded:
        extractor.trainable = False
    return keras.Model(inputs, outputs, name=f"{recipe}_model"), extractor


def unfreeze(extractor) -> None:
    """Let the extractor's convolution weights learn; its BatchNormalization layers stay
    frozen, which in Keras 3 keeps them in inference mode (see the module docstring)."""
    import keras

    extractor.trainable = True
    for layer in extractor.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def trainable_count(model) -> int:
    return int(sum(w.numpy().size for w in model.trainable_weights))
