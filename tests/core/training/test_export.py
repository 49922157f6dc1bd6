"""The training page's whole run as a Keras 3 script: executed exactly as exported, on a small
dataset written in the course's file format."""
import ast
import subprocess
import sys

import pytest

from core.data import synthetic
from core.data.course_files import write_course_files
from core.training.export import NOTEBOOK_CHANGES, run_script
from core.training.plan import DEFAULTS, plan


@pytest.fixture(scope="session")
def course_dir(tmp_path_factory):
    """The four course files of a small synthetic set: 90 training and 30 test images."""
    folder = tmp_path_factory.mktemp("course")
    write_course_files(folder, synthetic.generate(seed=0, n_train_per_class=6,
                                                  n_test_per_class=2))
    return folder


def run(script: str, folder, name: str) -> str:
    """Run a script where the course files are, as a student would; its printed output."""
    (folder / f"{name}.py").write_text(script)
    done = subprocess.run([sys.executable, f"{name}.py"], cwd=folder, capture_output=True,
                          text=True, timeout=600, env={"TF_CPP_MIN_LOG_LEVEL": "2",
                                                      "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def settings(**changes):
    return plan({**DEFAULTS, "epochs": 2, "batch_size": 30, **changes}, train_size=90).settings


def test_the_script_reads_as_the_lesson():
    script = run_script(settings(), expected=0.665)
    ast.parse(script)
    assert NOTEBOOK_CHANGES in script and "loss_weights" in script
    assert 'model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),' in script
    assert 'np.load("10_train.npy")' in script and 'pd.read_csv("10_tr_labels.csv")' in script
    assert "batch_size=30, epochs=2" in script and "the page's run: 66.5%" in script
    assert "EarlyStopping" not in script and "RandomFlip" not in script


@pytest.mark.slow
def test_the_default_run_trains_saves_and_loads_back(course_dir):
    out = run(run_script(settings(), name="stride_run"), course_dir, "stride_run")
    assert "test accuracy:" in out and "loaded back, same predictions: True" in out
    assert (course_dir / "stride_run.keras").is_file()


@pytest.mark.slow
def test_every_control_against_overfitting_runs_in_the_script(course_dir):
    chosen = settings(target="fine", optimizer="sgd", learning_rate=0.01, augment=True,
                      dropout=0.5, weight_decay=1e-4, early_stopping=1, epochs=3)
    script = run_script(chosen, name="regularised")
    assert 'keras.layers.RandomFlip(mode="horizontal"),' in script
    assert "keras.layers.Dropout(rate=0.5)," in script
    assert "patience=1, restore_best_weights=True" in script
    assert "keras.optimizers.SGD(learning_rate=0.01)" in script
    out = run(script, course_dir, "regularised")
    assert "loaded back, same predictions: True" in out
    assert "Non-trainable params: 512" in out, "model.summary() of the stride model's BN"


@pytest.mark.slow
def test_a_capped_run_keeps_the_pages_cap(course_dir):
    capped = plan(dict(DEFAULTS, epochs=1, batch_size=20), train_size=90,
                  max_images=40).settings
    script = run_script(capped, name="capped")
    assert "permutation(len(train))[:40]" in script and "test[:40]" in script
    assert "loaded back, same predictions: True" in run(script, course_dir, "capped")
