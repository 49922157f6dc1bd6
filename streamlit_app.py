"""CNN Lab: the navigation table and the sidebar every page shares."""
import streamlit as st

from core.i18n import LANGUAGES, normalize_language
from core.engine.malloc import limit_malloc_arenas
from core.st_cache import data_summary, server_settings, start_loading_default, translator
from ui import instructor, server_settings as settings_notice
from ui.steps import HOME, STEPS

limit_malloc_arenas()  # the first run in this server process applies it (core/engine/malloc.py)
server_settings()  # read once, before any page asks for a folder, a cap or the key
LANG_CHOSEN = "lang_chosen"  # session_state: the language, kept across page switches

st.set_page_config(page_title="CNN Lab", page_icon=":material/grid_on:", layout="wide")
# A projector at 1024x768: the sidebar takes less of the width, and so do the margins.
st.html("""<style>@media (max-width: 1100px) {
  section[data-testid="stSidebar"] {width: 200px !important; min-width: 200px !important;}
  [data-testid="stMainBlockContainer"] {padding-left: 1.5rem; padding-right: 1.5rem;
                                        padding-top: 3rem;}
  h1 {font-size: 2.1rem !important;}
}</style>""")

# A shared link may carry ?lang=ko; after that the sidebar switch decides. The switch's own
# value does not survive st.switch_page (the calculator's "Train this model"), so the
# session also keeps the choice under a key of its own.
if "lang" not in st.session_state:
    asked = st.query_params.get("lang")
    st.session_state.lang = st.session_state.get(LANG_CHOSEN) or normalize_language(asked)
    st.session_state.lang_unknown = asked is not None and asked != st.session_state.lang
t = translator()

PAGES = [st.Page(HOME, title=t("nav.home"), icon=":material/school:", default=True,
                 url_path="home")] + [
    st.Page(step.page, title=f"{step.section}. {t(step.key + '.title')}", icon=step.icon,
            url_path=step.url) for step in STEPS]
page = st.navigation(PAGES)

with st.sidebar:
    st.selectbox("Language / 언어", options=list(LANGUAGES), format_func=LANGUAGES.get,
                 key="lang")
    if st.session_state.pop("lang_unknown", False):  # never echoes what the link said
        st.info(t("sidebar.unknown_language"), icon=":material/translate:")
    st.session_state[LANG_CHOSEN] = st.session_state.lang
    st.query_params["lang"] = st.session_state.lang  # links copied from here keep it
    dataset = data_summary()  # known at once, even while a cold server makes the data
    st.subheader(t("sidebar.dataset"))
    source_text = t(f"source.{dataset.source}")
    if dataset.synthetic:
        st.warning(t("sidebar.synthetic", source=source_text), icon=":material/science:")
    else:
        st.success(source_text, icon=":material/dataset:")
    st.caption(t("sidebar.counts", train=dataset.n_train, test=dataset.n_test,
                 supers=len(dataset.super_classes), fines=len(dataset.fine_classes)))
    if dataset.problem is not None:
        st.caption(t("sidebar.problem"))
    settings_notice.problems(t)
    instructor.sidebar(t)

page.run()
start_loading_default()  # after the page is sent: the next page finds the data ready
