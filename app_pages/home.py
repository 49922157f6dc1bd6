"""Home: what the lab is, the four steps, and the dataset everything runs on."""
import streamlit as st

from core.st_cache import data_summary, translator
from ui.home import data_status
from ui.steps import LAB_STEPS

t = translator()
dataset = data_summary()  # no waiting for the pixels on a cold start

st.title(t("home.title"))
st.markdown(t("home.intro"))

st.header(t("home.steps"))
for number, key, path, icon, _ in LAB_STEPS:
    with st.container(border=True):
        st.markdown(f"**{number}. {t(key + '.title')}** — {t(key + '.what')}")
        if path:
            st.page_link(path, label=t(key + ".open"), icon=":material/arrow_forward:")
        else:
            st.caption(t("home.step_soon"))

st.header(t("home.dataset"))
data_status.show(dataset, t)
if dataset.source != "cifar100":
    data_status.download_panel(t)
