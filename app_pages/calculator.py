"""Conv calculator (notebook sections 1 and 2): build a stack of layers, watch every
output shape, parameter count and cost, see why a stack fails, see a kernel move, and
take the stack away as Keras code or as a link. No TensorFlow on this page.
"""
import streamlit as st

from core.calculator.summary import summary as summarize_stack
from core.st_cache import translator
from ui.calculator import editor as calc_editor
from ui.calculator import notes as calc_notes
from ui.calculator import one_value as calc_one_value
from ui.calculator import share as calc_share
from ui.calculator import state as calc_state
from ui.calculator import table as calc_table
from ui.calculator import views as calc_views

t = translator()
link_problem = calc_state.init()  # a shared ?stack= link replaces the stack once
calc_share.follow_train_request()  # the train button was pressed: off to training

st.title(t("calc.title"))
st.markdown(t("calc.intro"))
if link_problem is not None:
    st.warning(t("calc.link.bad", reason=t(f"calc.link.bad.{link_problem}")),
               icon=":material/link_off:")

# --- 1. Build a stack --------------------------------------------------------------
st.header(t("calc.build.title"))
st.markdown(t("calc.build.intro"))
left, right = st.columns([1, 1])
with left:
    calc_editor.preset_picker(t)
with right:
    calc_editor.input_shape(t)

input_shape, layers = calc_state.stack()
summary = summarize_stack(input_shape, layers)
st.subheader(t("calc.table.title"))
calc_table.table(summary, t)
calc_table.totals(summary, t)
calc_table.problems(summary, t)
calc_notes.keras_says(input_shape, layers, t)
calc_notes.receptive_field_note(summary, input_shape, t)
editor_side, formula_side = st.columns(2, gap="large")
with editor_side:
    calc_editor.layer_editor(summary.records, t)
with formula_side:  # the selected layer's arithmetic, beside its fields
    calc_table.formula(summary, calc_state.selected(), input_shape, layers, t)

# --- 2. See the convolution --------------------------------------------------------
st.header(t("calc.see.title"))
# Lazy tabs: only the open one runs, so editing the stack does not redraw both figures.
slide_tab, image_tab, one_tab = st.tabs([t("calc.anim.tab"), t("calc.fm.tab"),
                                         t("inside.one.tab")], key="calc_view",
                                        on_change="rerun")
if slide_tab.open:
    with slide_tab:
        calc_views.animation(t)
if image_tab.open:
    with image_tab:
        calc_views.feature_maps(t)
if one_tab.open:  # the notebook's first layer, one output value at a time
    with one_tab:
        calc_one_value.one_value_view(t)

# --- 3. Take it with you -----------------------------------------------------------
st.header(t("calc.share.title"))
failing = summary.error is not None
encoded = calc_state.write_url()
calc_share.code(input_shape, layers, failing, t)
calc_share.link(encoded, t)
calc_share.train_button(input_shape, layers, failing, t)
