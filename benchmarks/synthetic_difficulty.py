"""Is the synthetic dataset hard enough to teach with? Train the notebook's models on it.

Run by hand (35 minutes on two shared CPU cores with the defaults):

    python -m benchmarks.synthetic_difficulty [--epochs 20] [--seed 0] [--width 32] [--scale]

It generates the dataset (timed), trains the notebook's stride model on superclasses
and on fine classes, then checks transfer: the notebook's shared extractor is
pretrained on superclasses and reused for the fine classes, frozen or fine-tuned,
against a frozen random extractor and against training from scratch. Test accuracy is
measured after every epoch on the 1,500 test images. Prints markdown tables.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from core.data import synthetic  # noqa: E402

BATCH_SIZE = 200  # the notebook's batch size
LEARNING_RATE = 1e-3  # Adam's default, as in the notebook
LEVELS = (0.4, 0.5, 0.6)  # fine classes: epochs until test accuracy first reaches these
HEAD_EPOCHS = 3  # staged fine-tuning: epochs of the new head alone (core.transfer.lesson)
FINETUNE_LEARNING_RATE = 1e-4  # then everything but BN, slowly (core.transfer.lesson)

# Fine-class arms: (name, start from the pretrained extractor?, how it trains).
ARMS = (
    ("frozen pretrained extractor + Dense(15)", True, "frozen"),
    ("frozen random extractor + Dense(15)", False, "frozen"),
    ("fine-tuned pretrained, notebook style (all layers, Adam 1e-3)", True, "all"),
    (f"fine-tuned pretrained, staged (head {HEAD_EPOCHS} epochs, then all but BN at "
     f"{FINETUNE_LEARNING_RATE:g})", True, "staged"),
    ("from scratch", False, "all"),
)


def stride_model(n_classes: int) -> keras.Model:
    """The notebook's stride model: 4 x [Conv2D 64 3x3 strides 2; BN; ReLU], Flatten, Dense."""
    model = keras.Sequential([keras.Input((32, 32, 3))])
    for _ in range(4):
        model.add(keras.layers.Conv2D(64, 3, strides=2, padding="same"))  # halves H and W
        model.add(keras.layers.BatchNormalization())
        model.add(keras.layers.Activation("relu"))
    model.add(keras.layers.Flatten())  # (N, 2 * 2 * 64)
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    return model


def shared_extractor(width: int) -> keras.Model:
    """The notebook's shared extractor: 4 x [Conv2D 3x3 same; BN; ReLU; MaxPooling2D]."""
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for _ in range(4):
        x = keras.layers.Conv2D(width, 3, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.MaxPooling2D()(x)  # (N, 2, 2, width) after the fourth
    return keras.Model(inputs, x, name="extractor")


def with_head(extractor: keras.Model, n_classes: int) -> keras.Model:
    """Input -> extractor -> Flatten -> Dense(n_classes, softmax), as the notebook's section 3."""
    inputs = keras.Input((32, 32, 3))
    features = keras.layers.Flatten()(extractor(inputs))  # (N, 2 * 2 * width)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(features))


def fit(model, data, target, epochs, learning_rate=LEARNING_RATE, initial_epoch=0):
    """Train with the notebook's settings: (test accuracy per epoch, last train accuracy, s)."""
    (x_train, x_test), (y_train, y_test) = data["x"], data[target]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0,
                        validation_data=(x_test, y_test), initial_epoch=initial_epoch)
    seconds = time.perf_counter() - start
    curve = history.history["val_accuracy"]
    print(f"  {target}: test accuracy by epoch {' '.join(f'{a:.2f}' for a in curve)} "
          f"({seconds:.0f} s)", flush=True)
    return curve, history.history["accuracy"][-1], seconds


def staged_fine_tune(model, extractor, data, epochs):
    """Head alone for HEAD_EPOCHS, then everything but BatchNormalization at a low rate."""
    extractor.trainable = False
    head = fit(model, data, "fine", min(HEAD_EPOCHS, epochs))
    if epochs <= HEAD_EPOCHS:
        return head
    extractor.trainable = True
    for layer in extractor.layers:  # BN keeps its pretrained statistics (inference mode)
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    rest = fit(model, data, "fine", epochs, FINETUNE_LEARNING_RATE, initial_epoch=HEAD_EPOCHS)
    return head[0] + rest[0], rest[1], head[2] + rest[2]


def transfer_runs(data, width, epochs, pretrain_epochs):
    """Pretrain the shared extractor on superclasses, then train each fine-class arm."""
    print("extractor + Dense(3) on superclasses", flush=True)
    pretrained = shared_extractor(width)
    results = {"pretrained on super": fit(with_head(pretrained, 3), data, "super",
                                          pretrain_epochs)}
    for name, load, mode in ARMS:
        print(name, flush=True)
        extractor = shared_extractor(width)
        if load:
            extractor.set_weights(pretrained.get_weights())
        extractor.trainable = mode != "frozen"
        model = with_head(extractor, 15)
        results[name] = (staged_fine_tune(model, extractor, data, epochs) if mode == "staged"
                         else fit(model, data, "fine", epochs))
    return results


def epochs_to_reach(curve, level):
    hits = [epoch for epoch, accuracy in enumerate(curve, start=1) if accuracy >= level]
    return str(hits[0]) if hits else "-"


def report(stride, transfer, width):
    """Markdown tables: final accuracies, then how fast each fine-class arm got there."""
    print("\n| model | target | epochs | test accuracy | train accuracy | time |")
    print("|---|---|---|---|---|---|")
    rows = [("stride model", target, result) for target, result in stride.items()]
    rows += [(f"shared extractor w{width}, {name}", "super" if "on super" in name else "fine",
              result) for name, result in transfer.items()]
    for name, target, (curve, train_accuracy, seconds) in rows:
        print(f"| {name} | {target} | {len(curve)} | {curve[-1]:.1%} | {train_accuracy:.1%} "
              f"| {seconds:.0f} s |")
    arms = [name for name in transfer if "on super" not in name]
    if not arms:
        return
    epochs = len(transfer[arms[0]][0])
    print(f"\n| fine classes, w{width} | " + " | ".join(f"{level:.0%} at" for level in LEVELS)
          + " | " + " | ".join(f"ep {e}" for e in range(1, epochs + 1)) + " |")
    print("|---|" + "---|" * (len(LEVELS) + epochs))
    for name in arms:
        curve = transfer[name][0]
        print(f"| {name} | " + " | ".join(epochs_to_reach(curve, level) for level in LEVELS)
              + " | " + " | ".join(f"{accuracy:.0%}" for accuracy in curve) + " |")


def load(seed, scale):
    """Generate the dataset (timed) and return float pixels and integer labels."""
    start = time.perf_counter()
    dataset = synthetic.generate(seed)
    print(f"Generated {len(dataset.x_train)} + {len(dataset.x_test)} images ({dataset.detail}) "
          f"in {time.perf_counter() - start:.2f} s; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    factor = np.float32(1 / 255 if scale else 1)  # the notebook feeds raw 0-255 pixels
    print(f"Pixels: {'scaled to 0-1' if scale else 'raw 0-255, as in the notebook'}; "
          f"chance: super {1 / 3:.1%}, fine {1 / 15:.1%}")
    return {"x": tuple(dataset.images(split).astype(np.float32) * factor
                       for split in ("train", "test")),
            **{target: (dataset.y("train", target), dataset.y("test", target))
               for target in ("super", "fine")}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--pretrain-epochs", type=int, help="superclass epochs (default: --epochs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", type=int, default=32, help="filters of the shared extractor")
    parser.add_argument("--scale", action="store_true", help="divide pixels by 255")
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow intra-op threads")
    parser.add_argument("--skip", choices=["stride", "transfer"], help="leave one part out")
    args = parser.parse_args(argv)
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(args.seed)

    data = load(args.seed, args.scale)
    stride = {} if args.skip == "stride" else {
        target: fit(stride_model(3 if target == "super" else 15), data, target, args.epochs)
        for target in ("super", "fine")}
    transfer = {} if args.skip == "transfer" else transfer_runs(
        data, args.width, args.epochs, args.pretrain_epochs or args.epochs)
    report(stride, transfer, args.width)


if __name__ == "__main__":
    main()
