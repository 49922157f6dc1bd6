"""The calculator's stack editor: presets, input shape, and one layer at a time.

The selected layer's arguments are ordinary widgets; their callbacks write the spec
back into the stack (ui.calculator.state) before the script reruns, so every view below
already sees the edit. When another layer is selected, or the stack is replaced,
the fields are reloaded from the specs (`_sync`), so edits are never lost in reruns.
"""
from __future__ import annotations

import streamlit as st

from core.stack import presets
from core.calculator.edit import (
    FIELDS, change_type, fields_of, insert_layer, move_layer, remove_layer, spec_from_fields,
)
from core.stack.spec import (
    ACTIVATIONS, CHOICES, FRACTIONS, MAX_LAYERS, MAX_SIZE, MAX_UNITS, PADDINGS, POOLING, SUPPORTED,
)
from ui.calculator import state as calc_state

NO_ACTIVATION = "none"  # the activation field's value for activation=None (linear)
SHAPE_KEYS = ("calc_height", "calc_width", "calc_channels")
SYNCED = "calc_synced"  # (revision, layer) the fields were last loaded for


def _key(argument: str) -> str:
    return f"calc_{argument}"


# --- presets and input shape -----------------------------------------------------

def _load_preset() -> None:
    """on_change of the menu: choosing a notebook model loads it (one gesture)."""
    chosen = st.session_state.calc_preset
    if chosen is not None:
        calc_state.load(*presets.preset(chosen), origin=chosen)


def preset_picker(t) -> None:
    """Start from one of the notebook's models; say which model the table holds. The menu
    shows the model in the table, or nothing once the stack is the student's own."""
    current = calc_state.current_preset()
    st.session_state.calc_preset = current
    st.selectbox(t("calc.preset.label"), presets.PRESET_IDS, key="calc_preset", index=None,
                 placeholder=t("calc.preset.placeholder"), on_change=_load_preset,
                 format_func=lambda p: t(f"calc.preset.{p}"))
    if current is not None:
        st.markdown(t("calc.current.preset", name=t(f"calc.preset.{current}")))
        st.caption(t(f"calc.preset.{current}.about"))
        return
    origin = calc_state.origin()
    if origin == calc_state.FROM_LINK:
        st.markdown(t("calc.current.shared"))
    else:
        st.markdown(t("calc.current.own", name=t(f"calc.preset.{origin}")))


def _on_shape() -> None:
    st.session_state[calc_state.SHAPE] = tuple(st.session_state[k] for k in SHAPE_KEYS)


def input_shape(t) -> None:
    """Three number fields for (H, W, C), default 32x32x3."""
    revision = st.session_state[calc_state.REVISION]
    if st.session_state.get("calc_shape_synced") != revision or SHAPE_KEYS[0] not in st.session_state:
        for key, value in zip(SHAPE_KEYS, st.session_state[calc_state.SHAPE]):
            st.session_state[key] = int(min(max(value, 0), MAX_SIZE))
        st.session_state.calc_shape_synced = revision
    st.markdown(f"**{t('calc.input.title')}**")
    for column, key in zip(st.columns(3), SHAPE_KEYS):
        column.number_input(t(f"calc.input.{key[5:]}"), min_value=0, max_value=MAX_SIZE,
                            step=1, key=key, on_change=_on_shape)
    st.caption(t("calc.input.help"))


# --- the selected layer's fields ------------------------------------------------

def _sync(spec) -> None:
    """Load a spec's values into the field widgets."""
    fields = fields_of(spec)
    for argument, value in fields.items():
        if argument == "activation" and value is None:
            value = NO_ACTIVATION
        st.session_state[_key(argument)] = value


def _on_field() -> None:
    layer_type = st.session_state.calc_type
    fields = {"type": layer_type}
    for argument in FIELDS[layer_type]:
        value = st.session_state.get(_key(argument))
        fields[argument] = None if value == NO_ACTIVATION else value
    index = calc_state.selected()
    layers = list(st.session_state[calc_state.STACK])
    layers[index] = spec_from_fields(fields)
    st.session_state[calc_state.STACK] = layers


def _on_type() -> None:
    index = calc_state.selected()
    layers = list(st.session_state[calc_state.STACK])
    layers[index] = change_type(layers[index], st.session_state.calc_type)
    st.session_state[calc_state.STACK] = layers
    _sync(layers[index])


def _field(argument: str, layer_type: str, t) -> None:
    """One argument's widget and, under it, what it does."""
    key, label = _key(argument), f"`{argument}`"
    if argument in ("filters", "units"):
        st.number_input(label, min_value=0, max_value=MAX_UNITS, step=1, key=key,
                        on_change=_on_field)
    elif argument in FRACTIONS:  # rate, height_factor, width_factor
        st.number_input(label, min_value=0.0, max_value=1.0, step=0.05, key=key,
                        on_change=_on_field)
    elif argument in CHOICES:  # mode, fill_mode
        st.selectbox(label, CHOICES[argument], key=key, on_change=_on_field)
    elif argument == "padding":
        st.radio(label, PADDINGS, key=key, horizontal=True, on_change=_on_field)
    elif argument == "activation":
        options = ACTIVATIONS if layer_type == "Activation" else (NO_ACTIVATION, *ACTIVATIONS)
        st.selectbox(label, options, key=key, on_change=_on_field,
                     format_func=lambda a: t("calc.field.no_activation") if a == NO_ACTIVATION else a)
    elif argument == "use_bias":
        st.checkbox(label, key=key, on_change=_on_field)
    else:  # kernel_size, strides, pool_size: "3" or "3x5"
        pooled_strides = argument == "strides" and layer_type in POOLING
        st.text_input(label, key=key, on_change=_on_field,
                      placeholder=t("calc.field.same_as_pool") if pooled_strides else None)
    help_key = "pool_strides" if argument == "strides" and layer_type in POOLING else argument
    st.caption(t(f"calc.help.{help_key}"))


# --- structure: select, move, remove, add ------------------------------------------

def _move(offset: int) -> None:
    index = calc_state.selected()
    layers = st.session_state[calc_state.STACK]
    calc_state.set_layers(move_layer(layers, index, offset),
                          max(0, min(index + offset, len(layers) - 1)))


def _remove() -> None:
    index = calc_state.selected()
    calc_state.set_layers(remove_layer(st.session_state[calc_state.STACK], index), index)


def _add() -> None:
    layers = st.session_state[calc_state.STACK]
    index = calc_state.selected() + 1 if layers else 0
    calc_state.set_layers(insert_layer(layers, index, st.session_state.calc_new_type), index)


def _layer_label(records: list[dict], index: int) -> str:
    record = records[index]
    return f"{record['index']}. {record['name']} ({record['type']})"


def layer_editor(records: list[dict], t) -> None:
    """Pick a layer, change its type and arguments, move or remove it, add a new one.

    records: the table's rows (core.calculator.summary), for the layer names.
    """
    layers = st.session_state[calc_state.STACK]
    st.subheader(t("calc.edit.title"))
    if layers:
        index = calc_state.selected()
        st.selectbox(t("calc.edit.layer"), range(len(layers)), key=calc_state.SELECTED,
                     format_func=lambda i: _layer_label(records, i))
        up, down, remove = st.columns(3)
        up.button(t("calc.edit.up"), key="calc_up", on_click=_move, args=(-1,),
                  disabled=index == 0, icon=":material/arrow_upward:", width="stretch")
        down.button(t("calc.edit.down"), key="calc_down", on_click=_move, args=(1,),
                    disabled=index == len(layers) - 1, icon=":material/arrow_downward:",
                    width="stretch")
        remove.button(t("calc.edit.remove"), key="calc_remove", on_click=_remove,
                      icon=":material/delete:", width="stretch")
        marker = (st.session_state[calc_state.REVISION], index)
        if st.session_state.get(SYNCED) != marker or "calc_type" not in st.session_state:
            _sync(layers[index])
            st.session_state[SYNCED] = marker
        layer_type = st.session_state.calc_type
        st.selectbox(t("calc.field.type"), SUPPORTED, key="calc_type", on_change=_on_type)
        st.caption(t(f"calc.about.{layer_type}"))
        for argument in FIELDS[layer_type]:
            _field(argument, layer_type, t)
    else:
        st.info(t("calc.edit.empty"))
    st.markdown(f"**{t('calc.add.title')}**")
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.selectbox(t("calc.add.type"), SUPPORTED, key="calc_new_type")
    right.button(t("calc.add.button"), key="calc_add", on_click=_add, icon=":material/add:",
                 disabled=len(layers) >= MAX_LAYERS, width="stretch")
