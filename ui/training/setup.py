"""Choose what to train: the model, the target and the training settings, checked.

`settings_ui` gathers the widgets and returns the settings dict; `plan_ui` checks it
with core.training.plan and shows the parameter count and the time estimate, or the
reason it cannot run.
"""
from __future__ import annotations

import streamlit as st

from core import st_cache
from core.calculator import explain
from core.training import plan as train_config
from core.stack.build import keras_code
from core.stack.keras_errors import keras_error
from core.training.plan import CALCULATOR, DEFAULTS, MODELS, N_CLASSES, OPTIMIZERS, ConfigError
from core.engine.progress import duration
from core.training.regularise import model_layers
from ui.training import regularise as regularise_ui

STACK_KEY = "train_stack"  # session_state: {"input_shape", "layers"} the calculator page sets


def _default(key: str, name: str, options=None) -> None:
    """Start a widget from DEFAULTS; forget a remembered value that is no longer offered."""
    if key not in st.session_state or (options is not None and st.session_state[key] not in options):
        st.session_state[key] = DEFAULTS[name]


def settings_ui(t, stack: dict | None) -> dict:
    """The student's choices: model, target, epochs, batch size, optimizer, learning
    rate, validation split, seed and the controls against overfitting, as plain values."""
    models = MODELS + ((CALCULATOR,) if stack else ())
    if stack and stack != st.session_state.get("train_stack_seen"):  # just sent from the calculator
        st.session_state["train_stack_seen"] = stack
        st.session_state["train_model"] = CALCULATOR
    _default("train_model", "model", models)
    _default("train_target", "target", tuple(N_CLASSES))
    left, right = st.columns([3, 2])
    model = left.selectbox(t("train.model"), models, key="train_model",
                           format_func=lambda m: t(f"train.model.{m}"))
    target = right.radio(t("train.target"), tuple(N_CLASSES), key="train_target",
                         horizontal=True,
                         format_func=lambda g: t(f"train.target.{g}.long", n=N_CLASSES[g]))
    st.caption(t(f"train.model.{model}.about"))
    for name in ("epochs", "batch_size", "learning_rate", "validation_split", "seed"):
        _default(f"train_{name}", name)
    _default("train_optimizer", "optimizer", OPTIMIZERS)
    cols = st.columns(6)
    epochs = cols[0].number_input(t("train.epochs"), min_value=0, step=1, key="train_epochs",
                                  help=t("train.help.epoch"))
    batch_size = cols[1].number_input(t("train.batch_size"), min_value=0, step=10,
                                      key="train_batch_size", help=t("train.help.batch"))
    optimizer = cols[2].selectbox(t("train.optimizer"), OPTIMIZERS, key="train_optimizer",
                                  format_func=lambda o: t(f"train.optimizer.{o}"))
    learning_rate = cols[3].number_input(t("train.learning_rate"), min_value=0.0,
                                         step=0.0005, format="%.5f",
                                         key="train_learning_rate", help=t("train.help.lr"))
    validation_split = cols[4].number_input(t("train.validation_split"), min_value=0.0,
                                            max_value=1.0, step=0.05, format="%.2f",
                                            key="train_validation_split",
                                            help=t("train.help.validation"))
    seed = cols[5].number_input(t("train.seed"), min_value=0, step=1, key="train_seed",
                                help=t("train.help.seed"))
    return {"model": model, "target": target, "epochs": epochs, "batch_size": batch_size,
            "optimizer": optimizer, "learning_rate": learning_rate,
            "validation_split": validation_split, "seed": seed,
            **regularise_ui.controls_ui(t)}


def caps_caption(t) -> None:
    """The class's caps on a run, when the instructor set any."""
    max_images, max_epochs = st_cache.class_caps()
    if max_images:
        st.caption(t("train.capped", n=max_images))
    if max_epochs:
        st.caption(t("train.capped_epochs", n=max_epochs))


def config_error_message(err: ConfigError, t) -> str:
    """A translated sentence for a ConfigError; for an impossible stack, the
    calculator's sentence for the shape engine's error (core.calculator.explain)."""
    if err.shape_error is not None:
        key, values = explain.error_text(err.shape_error)
        values["source"] = t(f"calc.source.{values['source']}")
        return t("train.error.bad_stack", layer=err.details["layer"], message=t(key, **values))
    return t(f"train.error.{err.code}", **{k: str(v) for k, v in err.details.items()})


def plan_ui(choices: dict, train_size: int, stack: dict | None, t):
    """Check the settings; show parameters and the time estimate, or why they cannot run.

    Returns the core.training.plan.Plan, or None when the settings are rejected.
    """
    caps_caption(t)  # before any error: it may be why the settings are refused
    try:
        max_images, max_epochs = st_cache.class_caps()
        plan = train_config.plan(choices, train_size, stack, max_images, max_epochs)
    except ConfigError as err:
        st.error(config_error_message(err, t), icon=":material/block:")
        if choices["model"] == "stride_pool" and err.shape_error is not None:
            details = err.shape_error.details
            st.info(t("train.model.stride_pool.why", layer=err.shape_error.layer_index + 1,
                      size="x".join(map(str, details.get("input_size", ("?", "?"))))),
                    icon=":material/lightbulb:")
            said = keras_error(*train_config.architecture("stride_pool", choices["target"]))
            st.code(said.keras3, language=None, wrap_lines=True)
        return None
    cols = st.columns(4)
    cols[0].metric(t("train.params"), f"{plan.params:,}")
    cols[1].metric(t("train.images_per_epoch"), f"{plan.train_images:,}")
    cols[2].metric(t("train.estimate"), duration(plan.seconds_per_epoch),
                   help=t("train.estimate.help"))
    cols[3].metric(t("train.estimate_total"),
                   duration(plan.seconds_per_epoch * plan.settings.epochs))
    with st.expander(t("train.show_code"), icon=":material/code:"):
        st.code(keras_code(plan.settings.input_shape, model_layers(plan.settings),
                           weight_decay=plan.settings.weight_decay), language="python")
    return plan
