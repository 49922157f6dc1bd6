"""The server's settings: read once from the environment and the secrets, each refused
value named with what it accepts, and the default used instead (never a traceback, never
silently)."""
import subprocess
import sys
from pathlib import Path

import pytest

from core import settings
from core.config import ROOT
from core.settings import SETTINGS, ServerSettings, read


def test_nothing_set_gives_the_defaults():
    assert read({}, {}) == ServerSettings()
    defaults = ServerSettings()
    assert (defaults.max_jobs, defaults.memory_mb, defaults.train_max_images) == (2, 2700.0, None)


def test_the_environment_wins_over_the_secrets():
    got = read({"CNNLAB_TRAIN_MAX_IMAGES": "1500"},
               {"training": {"max_images": 300, "max_epochs": 5, "max_jobs": 3,
                             "memory_mb": 4000}, "instructor": {"key": "k3y"},
                "ray": {"address": "10.0.0.5:6379", "gpus": 0.5}})
    assert got.train_max_images == 1500 and got.train_max_epochs == 5
    assert got.max_jobs == 3 and got.memory_mb == 4000.0
    assert got.instructor_key == "k3y" and got.ray_address == "10.0.0.5:6379"
    assert got.ray_gpus == 0.5 and not got.problems


def test_every_setting_is_a_field_with_a_default_and_one_variable():
    fields = set(ServerSettings.__dataclass_fields__) - {"problems"}
    assert {s.field for s in SETTINGS} == fields
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)
    assert all(s.env.startswith("CNNLAB_") for s in SETTINGS)


@pytest.mark.parametrize("variable, value, accepts", [
    ("CNNLAB_TRAIN_MAX_IMAGES", "abc", "a whole number from 1 up"),
    ("CNNLAB_TRAIN_MAX_IMAGES", "0", "a whole number from 1 up"),
    ("CNNLAB_TRAIN_MAX_IMAGES", "1.5", "a whole number from 1 up"),
    ("CNNLAB_TRAIN_MAX_EPOCHS", "500", "a whole number from 1 to 200"),
    ("CNNLAB_MAX_JOBS", "two", "a whole number from 1 to 64"),
    ("CNNLAB_MAX_JOBS", "-1", "a whole number from 1 to 64"),
    ("CNNLAB_MEMORY_MB", "lots", "a number above 0"),
    ("CNNLAB_MEMORY_MB", "nan", "a number above 0"),
    ("CNNLAB_LIBRARY_MB", "5 GB", "a whole number from 0 up"),
    ("CNNLAB_RAY_CPUS", "x", "a whole number from 1 to 1024"),
    ("CNNLAB_RAY_GPUS", "-0.5", "a number from 0 up"),
    ("CNNLAB_ORPHAN_GRACE_S", "soon", "a number above 0"),
    ("CNNLAB_LIVE_FILTERS", "maybe", "0 or 1 (off or on)"),
    ("CNNLAB_CIFAR_MD5", "not-a-checksum", "an MD5 checksum (32 hexadecimal digits)"),
    ("CNNLAB_JOBS_PER_WORKER", "0", "a whole number from 1 to 1000"),
])
def test_a_bad_value_keeps_the_default_and_says_so(variable, value, accepts):
    got = read({variable: value}, {})
    field = next(s.field for s in SETTINGS if s.env == variable)
    assert getattr(got, field) == getattr(ServerSettings(), field), "the default is used"
    problem, = got.problems
    assert problem.source == variable and problem.value == value
    message = problem.message()
    assert message.startswith(f"{variable} = {value!r} is not {accepts}: using the default")


def test_a_bad_secret_is_named_by_its_section_and_key():
    got = read({}, {"training": {"max_images": "many"}})
    problem, = got.problems
    assert problem.source == "secrets [training] max_images"
    assert got.train_max_images is None and problem.default is None
    assert "using the default (none)" in problem.message()


def test_the_instructors_key_is_never_echoed_and_odd_values_are_made_printable():
    got = read({"CNNLAB_MAX_JOBS": "\x1b[31m" + "9" * 80}, {"instructor": {"key": ["a"]}})
    jobs, key = got.problems
    assert "\x1b" not in jobs.value and len(jobs.value) <= 40
    assert key.source == "secrets [instructor] key" and key.value == "…"


def test_a_secrets_section_that_is_not_a_table_is_no_secrets():
    assert read({}, {"training": "max_images = 3"}) == ServerSettings()


def test_a_script_reads_the_secrets_files(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text('[training]\nmax_epochs = 7\n')
    monkeypatch.setattr(Path, "home", lambda: home)
    monkeypatch.delenv("CNNLAB_TRAIN_MAX_EPOCHS", raising=False)
    assert settings.from_environment().train_max_epochs == 7


def run_app_module(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**__import__("os").environ, **env})


def test_importing_the_app_with_bad_settings_raises_nothing():
    """Before, a non-integer CNNLAB_TRAIN_MAX_IMAGES crashed `import core.config`, and so
    the server, with a traceback."""
    result = run_app_module("import core.config, core.settings, core.cli, core.st_cache; "
                            "print(core.settings.current().train_max_images)",
                            {"CNNLAB_TRAIN_MAX_IMAGES": "abc", "CNNLAB_LIBRARY_MB": "x",
                             "CNNLAB_RAY_CPUS": "y"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == "None"
    assert "Traceback" not in result.stderr


def test_the_readme_lists_every_setting_with_its_default():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Server settings"):]
    table = table[:table.index("\n## ")]
    defaults = ServerSettings()
    for setting in SETTINGS:
        row = next((line for line in table.splitlines() if f"`{setting.env}`" in line), None)
        assert row is not None, setting.env
        if setting.secret:
            section, key = setting.secret
            assert f"`[{section}] {key}`" in row, setting.env
        default = getattr(defaults, setting.field)
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            assert f"| {default:g} |" in row, (setting.env, default)
