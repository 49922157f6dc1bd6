"""Against overfitting: the training page's four controls (core.training.regularise) as
widgets, and the short label a run carries when it uses any of them."""
from __future__ import annotations

import streamlit as st

from core.engine.contract import MAX_WEIGHT_DECAY, RunSettings
from core.training.plan import DEFAULTS, MAX_DROPOUT, MAX_EPOCHS
from core.training.regularise import SUGGESTED, active

KEYS = ("augment", "dropout", "weight_decay", "early_stopping")  # train_<name> widgets


def controls_ui(t) -> dict:
    """The four controls, each off by default as in the notebook, with what each does."""
    for name in KEYS:
        st.session_state.setdefault(f"train_{name}", DEFAULTS[name])
    st.markdown(f"**{t('train.regularise')}**")
    cols = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    augment = cols[0].toggle(t("train.augment"), key="train_augment",
                             help=t("train.augment.help"))
    dropout = cols[1].number_input(t("train.dropout"), min_value=0.0, max_value=MAX_DROPOUT,
                                   step=0.1, format="%.2f", key="train_dropout",
                                   help=t("train.dropout.help", rate=SUGGESTED["dropout"]))
    weight_decay = cols[2].number_input(
        t("train.weight_decay"), min_value=0.0, max_value=MAX_WEIGHT_DECAY, step=0.0001,
        format="%.5f", key="train_weight_decay",
        help=t("train.weight_decay.help", value=f"{SUGGESTED['weight_decay']:g}"))
    early_stopping = cols[3].number_input(
        t("train.early_stopping"), min_value=0, max_value=MAX_EPOCHS, step=1,
        key="train_early_stopping",
        help=t("train.early_stopping.help", patience=SUGGESTED["early_stopping"]))
    st.caption(t("train.regularise.why"))
    return {"augment": augment, "dropout": dropout, "weight_decay": weight_decay,
            "early_stopping": early_stopping}


def controls_label(settings: RunSettings, t) -> str:
    """' · flip+shift · dropout 0.5 · L2 0.0001 · early stop 3', or '' for a plain run."""
    values = {"augment": "", "dropout": "{:g}", "weight_decay": "{:g}", "early_stopping": "{}"}
    return "".join(f" · {t(f'train.control.{name}', value=values[name].format(value))}"
                   for name, value in active(settings).items())
