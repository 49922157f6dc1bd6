"""`python -m core`: one command line whose verbs run the same code the pages use."""
import subprocess
import sys

import pytest

from core import cli
from core.config import ROOT


def test_help_lists_every_verb():
    result = subprocess.run([sys.executable, "-m", "core", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in cli.VERBS:
        assert name in result.stdout
    assert {"prepare-cifar", "pretrain"} <= set(cli.VERBS)


def test_every_verb_has_its_own_help(capsys):
    for name in cli.VERBS:
        try:
            cli.main([name, "--help"])
        except SystemExit as done:
            assert done.code == 0
        assert "usage: python -m core " + name in capsys.readouterr().out


def test_a_verb_that_does_not_exist_is_refused(capsys):
    try:
        cli.main(["train-everything"])
    except SystemExit as done:
        assert done.code == 2
    assert "invalid choice" in capsys.readouterr().err


def core_verb(*args, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """`python -m core ARGS` in a process of its own, on the synthetic dataset."""
    import os
    import tempfile

    full = {**os.environ, "CNNLAB_DATA_DIR": tempfile.mkdtemp(), **(env or {})}
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_train_trains_one_run_and_says_where(tmp_path):
    """The README's check that training works, here with the class cap of 300 images."""
    result = core_verb("train", "--epochs", "1", "--library", str(tmp_path),
                       env={"CNNLAB_TRAIN_MAX_IMAGES": "300"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "270 training images" in result.stderr, "300 images less the validation tenth"
    assert "on CPU (local)" in result.stderr and "epoch 1/1, loss" in result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy ") and " on CPU (local); outputs in " in last
    entry, = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (entry / "model.keras").is_file(), "kept in the run library it was given"
    again = core_verb("train", "--epochs", "1", "--library", str(tmp_path),
                      env={"CNNLAB_TRAIN_MAX_IMAGES": "300"})
    assert again.returncode == 0 and "not trained again" in again.stderr


@pytest.mark.slow
def test_train_takes_the_controls_against_overfitting():
    result = core_verb("train", "--epochs", "1", "--dropout", "0.3", "--augment",
                       "--max-images", "120", "--batch-size", "60")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "test accuracy" in result.stdout


@pytest.mark.parametrize("variable, value", [("CNNLAB_TRAIN_MAX_IMAGES", "abc"),
                                             ("CNNLAB_MAX_JOBS", "two"),
                                             ("CNNLAB_RAY_GPUS", "half")])
def test_a_bad_setting_is_named_and_nothing_runs(variable, value):
    result = core_verb("train", "--epochs", "1", env={variable: value}, timeout=120)
    assert result.returncode == 2
    assert f"error: {variable} = {value!r} is not" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_setting_the_page_refuses_is_refused_here_too():
    result = core_verb("train", "--epochs", "0", timeout=120)
    assert result.returncode == 2 and "error: epochs=0 must be from 1" in result.stderr


@pytest.mark.slow
def test_seed_runs_trains_the_notebooks_model_into_a_library(tmp_path):
    result = core_verb("seed-runs", "--models", "stride", "--max-images", "60",
                       "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    folder, = result.stdout.split()
    assert (tmp_path / folder.split("/")[-1] / "entry.json").is_file()
    assert "stride: test accuracy" in result.stderr


@pytest.mark.slow
def test_pretrain_bundles_an_extractor_with_what_it_was_trained_on(tmp_path):
    import json

    result = core_verb("pretrain", "--width", "4", "--epochs", "1", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    path = tmp_path / "extractor-w4.keras"
    assert result.stdout.strip() == str(path) and path.is_file()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["width"] == 4 and meta["epochs"] == 1 and meta["source"] == "synthetic"
