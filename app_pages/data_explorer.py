"""Data explorer: the lab's section 0. What the images and their two label levels look like.

Widgets and layout only, one section per module in ui/explorer/: sampling, statistics
and figures come from core.data.explore, core.data.figures and the cached loaders in
core.st_cache. No TensorFlow here.
"""
import streamlit as st

from core import st_cache
from ui.explorer import upload
from ui.explorer.close_up import close_up
from ui.explorer.context import explorer
from ui.explorer.gallery import gallery
from ui.explorer.statistics import statistics
from ui.explorer.structure import structure

# Browsers smooth an image they scale (zoom, HiDPI screens); keep the pixels square.
CRISP = "<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>"

t = st_cache.translator()
st.html(CRISP)
st.title(t("explorer.title"))  # words first: a cold server makes the data meanwhile
st.markdown(t("explorer.intro"))
with st.spinner(t("explorer.loading")):
    page = explorer()
if page.dataset.synthetic:
    st.info(page.t("explorer.synthetic"), icon=":material/science:")
upload.panel(page.dataset, page.t)
structure(page)
gallery(page)
close_up(page)
statistics(page)
