"""Home: what the lab is, the four steps, and the dataset everything runs on."""
import streamlit as st

from core.st_cache import data_summary, translator
from ui.home import data_status
from ui.steps import STEPS

t = translator()
dataset = data_summary()  # no waiting for the pixels on a cold start

st.title(t("home.title"))
st.markdown(t("home.intro"))
if dataset.synthetic:  # the intro promises photos of mammals: say what this server shows
    st.info(t("home.intro.synthetic"), icon=":material/science:")

st.header(t("home.steps"))
for step in STEPS:
    with st.container(border=True):
        st.markdown(f"**{step.section}. {t(step.key + '.title')}** — {t(step.key + '.what')}")
        st.page_link(step.page, label=t(step.key + ".open"), icon=":material/arrow_forward:")

st.header(t("home.dataset"))
data_status.show(dataset, t)
if dataset.source != "cifar100":
    data_status.download_panel(t)
