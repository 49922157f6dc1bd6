"""The home page's CIFAR-100 download, end to end against a fake archive on 127.0.0.1."""
import hashlib

import pytest

from core import st_cache
from tests.core import fake_cifar


@pytest.fixture(autouse=True)
def setup(monkeypatch):
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    st_cache.reload_default_data()
    yield
    st_cache.reload_default_data()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = fake_cifar.make_fake_cifar(tmp_path_factory.mktemp("fake") / "cifar.tgz")
    body = path.read_bytes()
    with fake_cifar.FakeServer({"cifar.tgz": body}) as httpd:
        httpd.md5 = hashlib.md5(body).hexdigest()
        yield httpd


def source_line(app) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("**Source:**"))


def test_download_switches_the_app_to_cifar(app, server, server_settings, empty_data_dir):
    server_settings(cifar_url=server.url("ok"), cifar_md5=server.md5)
    app.run()
    app.button(key="home_download").click().run()
    assert not app.exception and not app.error
    assert source_line(app) == "**Source:** CIFAR-100 mammals (downloaded)"
    assert (empty_data_dir / "10_train.npy").is_file()
    assert not app.sidebar.warning, "the synthetic warning is gone"


@pytest.mark.parametrize("mode, md5, words", [
    ("ok", "0" * 32, "MD5"),
    ("half", None, "stopped after"),
    ("missing", None, "404"),
])
def test_failed_download_keeps_the_dataset(app, server, server_settings, empty_data_dir,
                                           mode, md5, words):
    server_settings(cifar_url=server.url(mode), cifar_md5=md5 or server.md5)
    app.run()
    app.button(key="home_download").click().run()
    assert not app.exception
    assert words in app.error[0].value and "Nothing was changed" in app.error[0].value
    assert source_line(app) == "**Source:** Synthetic (offline)"
    assert not (empty_data_dir / "10_train.npy").exists()
