"""Training: the lab's section 2. Train the notebook's CNNs (or the calculator's stack), watch
the loss fall live, stop, evaluate, compare runs, and look inside the trained model.

Widgets and layout only. Jobs run in worker processes (core.training.job, core.training.manager);
settings are checked by core.training.plan; the views live in ui/train_*.py. TensorFlow
is imported in this server only when the student switches on "look inside".
"""
import streamlit as st

from core import st_cache
from core.training.arrays import export_arrays
from core.training.job import ACTIVE
from ui import lost_runs
from ui.training import compare as train_compare
from ui.training import look_inside as train_inspect
from ui.training import live as train_live
from ui.training import results as train_results
from ui.training import runs as train_runs
from ui.training import setup as train_setup

t = st_cache.translator()
dataset = st_cache.active_dataset()
manager = st_cache.job_manager()
state = st.session_state

if "train_visited" not in state:  # first visit: a worker starts importing TensorFlow now
    state["train_visited"] = True
    manager.prewarm()

train_runs.relabel_after_language_switch()
jobs = train_runs.session_jobs()
snapshots = [job.snapshot() for job in jobs]
latest = jobs[-1] if jobs else None
busy = latest is not None and latest.active

st.title(t("train.title"))
lost_runs.explain(t)
st.markdown(t("train.intro"))
if dataset.synthetic:
    st.info(t("train.synthetic"), icon=":material/science:")
with st.expander(t("train.concepts"), icon=":material/school:"):
    st.markdown(t("train.concepts.text"))

# ---- 1. Choose ---------------------------------------------------------------------------
st.header(t("train.choose"))
st.markdown(t("train.choose.why"))
stack = state.get(train_setup.STACK_KEY)
settings = train_setup.settings_ui(t, stack)
plan = train_setup.plan_ui(settings, len(dataset.x_train), stack, t)


def start(plan) -> None:
    """Write the data for the worker (once per dataset and target) and queue the job."""
    target = plan.config["target"]
    with st.spinner(t("train.exporting")):
        data_path = export_arrays(dataset, target, manager.root)
    config = dict(plan.config, data_path=str(data_path),
                  class_names=list(dataset.classes(target)),
                  data_fingerprint=st_cache.fingerprint(dataset))
    train_runs.remember(manager.submit(st_cache.session_id(), config))


if st.button(t("train.start"), key="train_start", type="primary", icon=":material/play_arrow:",
             disabled=plan is None or busy):
    start(plan)
    st.rerun()
if busy:
    st.caption(t("train.one_at_a_time"))

# ---- 2. Train ----------------------------------------------------------------------------
st.header(t("train.live"))
st.markdown(t("train.live.why"))
if latest is None:
    st.caption(t("train.no_runs"))
else:
    train_live.live(latest, t)

# ---- 3. Compare the runs that have ended ---------------------------------------------------
ended = [s for s in snapshots if s["state"] not in ACTIVE]
if ended:
    st.header(t("train.compare"))
    st.markdown(t("train.compare.why"))
    train_compare.compare_ui(ended, t)

# ---- 4. Evaluate, 5. look inside -----------------------------------------------------------
finished = [s for s in ended if train_runs.has_outputs(s)]
if finished:
    st.header(t("train.results"))
    st.markdown(t("train.results.why"))
    chosen = train_runs.pick_run(finished, "train_run", t)
    same_data = chosen["config"].get("data_fingerprint") == st_cache.fingerprint(dataset)
    train_results.evaluation_ui(chosen, dataset, same_data, t)
    st.header(t("train.inspect"))
    train_inspect.inspect_ui(chosen, dataset, same_data, t)
