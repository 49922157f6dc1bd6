"""The transfer-learning lesson as one Keras 3 script: pretrain the shared extractor on the
superclasses, save it alone, load it back and check it, then the three arms on the fine
classes (from scratch, frozen, fine-tuned) with the page's recipe and settings.

`lesson_script(settings, n_fine)` mirrors what the page's jobs do (core.transfer.lesson,
core.transfer.models): the same split, the same extractor, a new Dense(n_fine) head,
BatchNormalization kept frozen while fine-tuning. The script pretrains its own extractor;
on the page an arm may have reused the bundled or an uploaded one instead.
tests/core/transfer/test_export.py runs it exactly as exported on a small dataset in the
course's file format.
"""
from __future__ import annotations

from core.config import INPUT_SHAPE
from core.stack import presets
from core.stack.build import layer_lines
from core.training.export import NOTEBOOK_CHANGES, header, load_lines
from core.transfer.lesson import LEARNING_RATE, Settings, pretrain_job

TRANSFER_CHANGES = '''- The new head is a Dense with one unit per fine class, trained on the fine classes;
  the notebook's "sub class" step put a Dense(3) on the loaded extractor and trained the
  superclasses again.
- The arms reuse the extractor loaded from the file; a notebook cell reused the one still
  in memory, which proves nothing about the file.
- Fine-tuning trains the new head first, then unfreezes the convolutions at a lower
  learning rate and keeps BatchNormalization frozen: in Keras 3 a BatchNormalization
  layer with `trainable = False` runs in inference mode, so its statistics stay.'''


HEAD_CODE = '''import keras

extractor = keras.saving.load_model("extractor.keras", safe_mode=True)  # from the file
extractor.trainable = False  # frozen: only the new head learns
inputs = keras.Input(shape=(32, 32, 3))
features = extractor(inputs, training=False)
outputs = keras.layers.Dense({n}, activation="softmax")(keras.layers.Flatten()(features))
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_fine, batch_size={batch}, epochs={head})  # y_fine: the {n} fine classes

# fine-tuning: unfreeze the convolutions, keep BatchNormalization frozen, recompile
extractor.trainable = True
for layer in extractor.layers:
    if isinstance(layer, keras.layers.BatchNormalization):
        layer.trainable = False
model.compile(optimizer=keras.optimizers.Adam({lr}),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_fine, batch_size={batch}, epochs={epochs}, initial_epoch={head})
'''


def head_code(settings: Settings, n_classes: int) -> str:
    """Step 4's code on the page: a new head on the saved extractor, frozen, then
    fine-tuned, with the page's settings (x_train and y_fine are the student's)."""
    return HEAD_CODE.format(n=n_classes, head=min(settings.head_epochs, settings.epochs),
                            epochs=settings.epochs, batch=settings.batch_size,
                            lr=f"{settings.finetune_learning_rate:g}")


def lesson_script(settings: Settings, n_fine: int) -> str:
    """The whole lesson as a Keras 3 script for these settings and n_fine fine classes."""
    head = min(settings.head_epochs, settings.epochs)  # as core.transfer.lesson.arm_jobs
    batch, seed = settings.batch_size, settings.seed
    lines = header(f"CNN Lab: the transfer-learning lesson as one Keras 3 script (extractor "
                   f"width {settings.width}).", NOTEBOOK_CHANGES + "\n" + TRANSFER_CHANGES)
    lines += load_lines(pretrain_job(settings), ("super", "fine"))
    lines += [
        "",
        "",
        "def extractor():",
        f'    """The notebook\'s shared extractor: {presets.BLOCKS} x [Conv2D({settings.width}, '
        '3x3, same), BN, ReLU, MaxPooling2D]."""',
        "    return keras.Sequential([",
        f"        keras.Input(shape={tuple(INPUT_SHAPE)}),",
        *("    " + line for line in layer_lines(tuple(INPUT_SHAPE),
                                                  presets.shared_extractor(settings.width))),
        '    ], name="extractor")',
        "",
        "",
        "def with_head(features, n_classes, loaded):",
        '    """Input -> extractor -> Flatten -> Dense(n_classes, softmax). A loaded extractor',
        '    is called with training=False, as the Keras transfer-learning guide does."""',
        f"    inputs = keras.Input(shape={tuple(INPUT_SHAPE)})",
        "    x = features(inputs, training=False) if loaded else features(inputs)",
        "    x = keras.layers.Flatten()(x)",
        '    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))',
        "",
        "",
        f"def fit_and_test(model, y, y_test, epochs, learning_rate={LEARNING_RATE!r}, initial_epoch=0):",
        '    """Compile (keyword arguments), fit on the training images, return test accuracy."""',
        "    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),",
        '                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
        f"    model.fit(train[train_idx], y[train_idx], batch_size={batch}, epochs=epochs,",
        "              initial_epoch=initial_epoch, validation_data=(train[val_idx], y[val_idx]))",
        f"    return (model.predict(test, batch_size={batch}).argmax(1) == y_test).mean()",
        "",
        "",
        "# ---- 2. Pretrain the extractor on the superclasses --------------------------------",
        "pretrained = extractor()",
        "accuracy = fit_and_test(with_head(pretrained, len(set(y_super)), loaded=False), y_super, "
        f"y_super_test, {settings.pretrain_epochs})",
        'print(f"pretraining on the superclasses: test accuracy {accuracy:.1%}")',
        "",
        "# ---- 3. Save the extractor alone (not its superclass head), load it back, check it --",
        'pretrained.save("extractor.keras")',
        'loaded = keras.saving.load_model("extractor.keras", safe_mode=True)',
        "same = all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), pretrained.get_weights()))",
        'print("the loaded extractor equals the trained one:", same)  # True',
        "",
        f"# ---- 4. Three ways to a new Dense({n_fine}) head on the fine classes -----------------",
        "results = {}",
        f"keras.utils.set_random_seed({seed})",
        "results[\"scratch\"] = fit_and_test(with_head(extractor(), "
        f"{n_fine}, loaded=False), y_fine, y_fine_test, {settings.epochs})",
        "",
        f"keras.utils.set_random_seed({seed})",
        'frozen = keras.saving.load_model("extractor.keras", safe_mode=True)',
        "frozen.trainable = False  # only the new head learns",
        f"results[\"frozen\"] = fit_and_test(with_head(frozen, {n_fine}, loaded=True), y_fine, "
        f"y_fine_test, {settings.epochs})",
        "",
        f"keras.utils.set_random_seed({seed})",
        'tuned = keras.saving.load_model("extractor.keras", safe_mode=True)',
        "tuned.trainable = False  # first the new head alone",
        f"model = with_head(tuned, {n_fine}, loaded=True)",
        f"results[\"finetune\"] = fit_and_test(model, y_fine, y_fine_test, {head})",
    ]
    if head < settings.epochs:
        lines += [
            "tuned.trainable = True  # then the convolutions too, BatchNormalization stays frozen",
            "for layer in tuned.layers:",
            "    if isinstance(layer, keras.layers.BatchNormalization):",
            "        layer.trainable = False",
            "# compiling again (inside fit_and_test) makes the new trainable flags take effect",
            f"results[\"finetune\"] = fit_and_test(model, y_fine, y_fine_test, {settings.epochs}, "
            f"learning_rate={settings.finetune_learning_rate!r}, initial_epoch={head})",
        ]
    lines += [
        "",
        "# ---- 5. Compare -------------------------------------------------------------------",
        "for arm, accuracy in results.items():",
        '    print(f"{arm}: test accuracy {accuracy:.1%}")',
        "",
    ]
    return "\n".join(lines)
