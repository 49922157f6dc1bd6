"""A training run as one Keras 3 script a student takes home: the page's whole run, not
only its architecture.

`run_script(settings)` writes a script that loads the four course files as the notebook
does, holds out the page's validation images (the same ones: the seed's permutation),
builds the model (core.training.regularise.model_layers, weight decay included),
compiles it with keyword arguments, fits it with the page's settings (early stopping
too), evaluates it the notebook's way, saves it as `.keras` and loads it back.
tests/core/training/test_export.py runs every script exactly as exported on a small
dataset written in the course's file format. The script's docstring says what changed
from the notebook's TensorFlow 2 code (NOTEBOOK_CHANGES).
"""
from __future__ import annotations

from core.stack.build import layer_lines
from core.stack.spec import normalize_input_shape
from core.engine.contract import RunSettings
from core.training.regularise import model_layers

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}  # keras.optimizers classes
LABEL_COLUMN = {"super": "coarse_labels", "fine": "fine_labels"}  # the course CSVs' columns
NOTEBOOK_CHANGES = '''What changed from the notebook's TensorFlow 2 code:
- `import keras` (Keras 3) instead of `tf.keras`; the layers are the same.
- `compile` takes keyword arguments. In Keras 3 its third positional argument is
  `loss_weights`, so the notebook's `compile('Adam', 'categorical_crossentropy',
  'accuracy')` fails.
- The labels stay integers, with `sparse_categorical_crossentropy`: the same loss as the
  notebook's `to_categorical` + `categorical_crossentropy` (minus the log of the
  probability of the true class), without building one-hot vectors.
- Classes are numbered by their sorted names, as the app numbers them (the notebook used
  their order of first appearance), so a model downloaded from the app agrees.
- A share of the training images is held out for validation, as on the page (the
  notebook trained on all of them): the curves then show overfitting.
- The model is saved as one `.keras` file; Keras 3 refuses the notebook's
  `model.save('shared_model')` (a folder).'''


def load_lines(settings: RunSettings, targets: tuple[str, ...]) -> list[str]:
    """Steps 0 and 1: the course files as the notebook loads them, the labels of each target
    (`y_<target>`, `y_<target>_test`) and the seed's validation split (`train_idx`, `val_idx`)."""
    lines = [
        "# ---- 0. Load the course files, as the notebook does --------------------------------",
        'train = np.load("10_train.npy")  # (7500, 32, 32, 3) uint8',
        'test = np.load("10_test.npy")  # (1500, 32, 32, 3) uint8',
        'train_labels = pd.read_csv("10_tr_labels.csv")  # columns fine_labels, coarse_labels',
        'test_labels = pd.read_csv("10_ts_labels.csv")',
    ]
    if settings.max_test:
        lines.append(f"test, test_labels = test[:{settings.max_test}], "
                     f"test_labels[:{settings.max_test}]  # the page's demo cap")
    for target in targets:
        column = LABEL_COLUMN[target]
        lines += [
            f'names = sorted(train_labels["{column}"].unique())  # class number = place in this list',
            f'y_{target} = train_labels["{column}"].map(names.index).to_numpy()  # (N,) int',
            f'y_{target}_test = test_labels["{column}"].map(names.index).to_numpy()',
        ]
    cap = f"[:{settings.max_train}]" if settings.max_train else ""
    lines += [
        "",
        "# ---- 1. Hold out the validation images, chosen by the seed (the page's own split) ---",
        f"keras.utils.set_random_seed({settings.seed})  # the same batch order and starting weights",
        f"order = np.random.default_rng({settings.seed}).permutation(len(train)){cap}",
        f"n_val = round(len(order) * {settings.validation_split!r})",
        "val_idx, train_idx = order[:n_val], order[n_val:]",
    ]
    return lines


def header(title: str, changes: str = NOTEBOOK_CHANGES) -> list[str]:
    return ['"""' + title, "",
            "Put the four course files next to this script (10_train.npy, 10_test.npy,",
            "10_tr_labels.csv, 10_ts_labels.csv) and run it with Python and Keras 3.", "",
            changes, '"""', "import numpy as np", "import pandas as pd", "import keras", ""]


def optimizer_code(name: str, learning_rate: float) -> str:
    return f"keras.optimizers.{OPTIMIZERS[name]}(learning_rate={learning_rate!r})"


def run_script(settings: RunSettings, name: str = "cnnlab_run",
               expected: float | None = None) -> str:
    """The whole run as a Keras 3 script; `expected`: the page's test accuracy for it."""
    shape = normalize_input_shape(settings.input_shape)
    target = settings.target
    stop = settings.early_stopping
    callbacks = ([f"    callbacks=[keras.callbacks.EarlyStopping(monitor=\"val_loss\", "
                  f"patience={stop}, restore_best_weights=True)],"] if stop else [])
    expect = ("" if expected is None else
              f"  # the page's run: {100 * expected:.1f}%; expect close, not equal (another "
              "input pipeline)")
    lines = header(f"CNN Lab: the training page's run as one Keras 3 script ({settings.model}, "
                   f"{target} target).")
    lines += load_lines(settings, (target,))
    lines += [
        f"x_train, y_train = train[train_idx], y_{target}[train_idx]",
        f"x_val, y_val = train[val_idx], y_{target}[val_idx]",
        "",
        "# ---- 2. Build -------------------------------------------------------------------",
        "model = keras.Sequential([",
        f"    keras.Input(shape={shape}),",
        *layer_lines(shape, model_layers(settings), settings.weight_decay),
        f'], name="{name}")',
        "model.summary()",
        "",
        "# ---- 3. Compile with keyword arguments, then fit with the page's settings -------",
        f"model.compile(optimizer={optimizer_code(settings.optimizer, settings.learning_rate)},",
        '              loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
        "history = model.fit(",
        f"    x_train, y_train, batch_size={settings.batch_size}, epochs={settings.epochs},",
        "    validation_data=(x_val, y_val) if len(x_val) else None,",
        *callbacks,
        ")",
        "",
        "# ---- 4. Evaluate as the notebook does -------------------------------------------",
        f"probs = model.predict(test, batch_size={settings.batch_size})  # (N, classes)",
        f"accuracy = (probs.argmax(1) == y_{target}_test).mean()",
        f'print(f"test accuracy: {{accuracy:.1%}}"){expect}',
        "",
        "# ---- 5. Save as one .keras file, load it back, check it is the same model ------",
        f'model.save("{name}.keras")',
        f'loaded = keras.saving.load_model("{name}.keras")',
        f"same = np.allclose(loaded.predict(test, batch_size={settings.batch_size}), probs, atol=1e-5)",
        'print("loaded back, same predictions:", same)  # True',
        "",
    ]
    return "\n".join(lines)
