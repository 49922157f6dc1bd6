"""Transfer learning: the lab's section 3. Pretrain the shared extractor on the superclasses,
save it, load it back, put a new head on it for the 15 fine classes, and compare training
from scratch, a frozen extractor and fine-tuning on the same data.

Widgets and layout only. The jobs run in the training engine's worker processes; the
lesson's configs and comparisons are core.transfer.lesson; the views live in
ui/transfer/.
"""
import streamlit as st

from core import st_cache
from ui import jobs, lost_runs
from ui.transfer import arms as transfer_arms
from ui.transfer import export as transfer_export
from ui.transfer import pretrain as transfer_pretrain
from ui.transfer import saved as transfer_saved
from ui.transfer import setup as transfer_setup
from ui.transfer import state
from ui.steps import TRAINING_PAGE

t = st_cache.translator()
dataset = st_cache.active_dataset()

if "transfer_visited" not in st.session_state:  # a worker starts importing TensorFlow now
    st.session_state["transfer_visited"] = True
    st_cache.job_manager().prewarm()

restored = lost_runs.restore()  # after a refresh, this tab's lesson comes back first
lesson_jobs = state.jobs()

st.title(t("transfer.title"))
lost_runs.explain(restored, t)
st.markdown(t("transfer.intro"))
if dataset.synthetic:
    st.info(t("transfer.synthetic"), icon=":material/science:")
for topic, icon in (("concepts", ":material/school:"), ("batchnorm", ":material/tune:"),
                    ("notebook", ":material/bug_report:")):
    with st.expander(t(f"transfer.{topic}"), icon=icon):
        st.markdown(t(f"transfer.{topic}.text"))

st.header(t("transfer.settings"))
st.markdown(t("transfer.settings.why"))
settings = transfer_setup.settings_ui(t, len(dataset.x_train))
jobs.engine_line(t)

# ---- 1. Pretrain on the superclasses -------------------------------------------------------
st.header(t("transfer.step1"))
transfer_pretrain.pretrain_ui(dataset, settings, lesson_jobs, t)

# ---- 2. Save the extractor -------------------------------------------------------------------
pretrained = state.pretrained(lesson_jobs)
st.header(t("transfer.step2"))
transfer_saved.save_ui(pretrained, t)

# ---- 3. Load it back -------------------------------------------------------------------------
st.header(t("transfer.step3"))
reference = lesson_jobs.get("pretrain") if pretrained else None
chosen = transfer_saved.load_ui(state.available(lesson_jobs, dataset), reference, dataset, t)

# ---- 4. A new head for the fine classes ----------------------------------------------------
st.header(t("transfer.step4"))
transfer_arms.head_ui(chosen, len(dataset.fine_classes), settings, t)

# ---- 5. Compare: scratch, frozen, fine-tuned -----------------------------------------------
st.header(t("transfer.step5"))
transfer_arms.compare_ui(chosen, dataset, settings, lesson_jobs, t)
transfer_export.script_ui(settings, len(dataset.fine_classes), t)
# These models can also be sent one image, layer by layer, on the training page.
st.page_link(TRAINING_PAGE, label=t("inside.forward.from_transfer"), icon=":material/layers:")
