"""Training: the lab's section 2. Train the notebook's CNNs (or the calculator's stack), watch
the loss fall live, stop, evaluate, compare runs, and look inside the trained model.

Widgets and layout only. Jobs run in worker processes (core.engine.manager); settings
are checked by core.training.plan; the views live in ui/training/. TensorFlow is imported
in this server only when the student switches on "look inside".
"""
import streamlit as st

from core import st_cache
from ui import jobs, lost_runs
from ui.training import compare, export, live, look_inside, results, runs, runs_table, setup
from ui.training import forward as train_forward

t = st_cache.translator()
dataset = st_cache.active_dataset()
manager = st_cache.job_manager()
state = st.session_state

if "train_visited" not in state:  # first visit: a worker starts importing TensorFlow now
    state["train_visited"] = True
    manager.prewarm()

restored = lost_runs.restore()  # after a refresh, this tab's runs come back first
runs.relabel_after_language_switch()
mine = runs.session_jobs()
snapshots = [job.snapshot() for job in mine]
latest = mine[-1] if mine else None
busy = any(job.active for job in mine)  # the fair comparison queues two runs

st.title(t("train.title"))
lost_runs.explain(restored, t)
st.markdown(t("train.intro"))
if dataset.synthetic:
    st.info(t("train.synthetic"), icon=":material/science:")
with st.expander(t("train.concepts"), icon=":material/school:"):
    st.markdown(t("train.concepts.text"))

# ---- 1. Choose ---------------------------------------------------------------------------
st.header(t("train.choose"))
st.markdown(t("train.choose.why"))
with st.expander(t("train.differs"), icon=":material/difference:"):
    st.markdown(t("train.differs.text"))
stack = state.get(setup.STACK_KEY)
choices = setup.settings_ui(t, stack)
plan = setup.plan_ui(choices, len(dataset.x_train), stack, t)
if plan is not None:
    export.script_ui(plan.settings, t, "train_script")
if st.button(t("train.start"), key="train_start", type="primary", icon=":material/play_arrow:",
             disabled=plan is None or busy):
    estimate = plan.seconds_per_epoch * plan.settings.epochs
    runs.remember(jobs.submit(dataset, plan.settings, "train", t, estimate_s=estimate))
    st.rerun()
if busy:
    st.caption(t("train.one_at_a_time"))
jobs.engine_line(t)
runs_table.fair_ui(choices, dataset, stack, busy, t)

# ---- 2. Train ----------------------------------------------------------------------------
st.header(t("train.live"))
st.markdown(t("train.live.why"))
jobs.left_notice(t)
if latest is None:
    st.caption(t("train.no_runs"))
else:
    jobs.notice(latest, t)
    live.live(latest, t)

# ---- 3. Compare the runs that have ended ---------------------------------------------------
ended = [s for s in snapshots if not s.active]
if ended:
    st.header(t("train.compare"))
    st.markdown(t("train.compare.why"))
    runs_table.table_ui(ended, t)
    compare.compare_ui(ended, t)

# ---- 4. Evaluate, 5. look inside -----------------------------------------------------------
finished = [s for s in ended if runs.has_outputs(s)]
if finished:
    st.header(t("train.results"))
    st.markdown(t("train.results.why"))
    chosen = runs.pick_run(finished, "train_run", t)
    same_data = chosen.config.data.fingerprint == st_cache.fingerprint(dataset)
    results.evaluation_ui(chosen, dataset, same_data, t)
    export.script_ui(chosen.settings, t, "train_run_script", expected=chosen.test_accuracy)
    st.header(t("train.inspect"))
    look_inside.inspect_ui(chosen, dataset, same_data, t)

# ---- One image through the whole network (this page's runs, the transfer lesson's, bundled)
st.header(t("inside.forward.title"))
train_forward.forward_ui(dataset, t)
