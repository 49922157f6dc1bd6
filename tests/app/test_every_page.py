"""Every registered page runs under AppTest in both languages without an exception."""
import pytest

from core import st_cache
from ui.steps import HOME, STEPS

PAGES = [HOME] + [step.page for step in STEPS]


@pytest.fixture(autouse=True)
def fresh_cache():
    st_cache.reload_default_data()
    yield


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", PAGES)
def test_page_runs(app, path, lang):
    app.query_params["lang"] = lang
    app.run()
    app.switch_page(path).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title or app.header, "every page has a heading"
