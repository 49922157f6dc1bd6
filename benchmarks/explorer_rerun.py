"""How long does the data explorer take to rerun after a click? (Target: under 300 ms.)

Run by hand (about a minute on two CPU cores):

    python -m benchmarks.explorer_rerun [--repeats 20] [--data-dir DIR]

Drives the page with Streamlit's AppTest: a first load (which generates or reads the
dataset), then each typical interaction `--repeats` times, each time to a new value.
Three figures per interaction, median and 95th percentile, in milliseconds:
- script: the rerun of streamlit_app.py and the page, what a server spends per click;
- script CPU: the CPU time of that rerun, which a busy machine does not inflate;
- apptest: the whole `AppTest.run()`, which adds AppTest's own overhead (it starts a
  script thread and polls for the result), an upper bound.
Both scripts are compiled once and reused, as a server does (AppTest would otherwise
recompile them on every run).
Without --data-dir the data folder is empty, so the synthetic dataset is used.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PAGE = "app_pages/data_explorer.py"
TARGET_MS = 300  # the budget for any interaction after the first load


def share_script_cache() -> None:
    """Compile each script once, as a server does; AppTest recompiles on every run."""
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    shared = ScriptCache()
    app_test.ScriptCache = local_runner.ScriptCache = lambda: shared


def time_scripts() -> list[tuple[float, float]]:
    """(wall, CPU) seconds of every script run from now on, around Streamlit's exec call.

    CPU time is the script thread's own: what a rerun costs whatever else the machine runs.
    """
    from streamlit.runtime.scriptrunner import script_runner

    runs: list[tuple[float, float]] = []
    original = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(func, ctx)
        finally:
            runs.append((time.perf_counter() - start, time.thread_time() - cpu))

    script_runner.exec_func_with_error_handling = timed
    return runs


def interactions(app, dataset):
    """(name, function that makes one change on the page) for each typical click."""
    supers = itertools.cycle(("",) + dataset.super_classes)
    stats_classes = itertools.cycle(dataset.fine_classes + ("",))
    splits = itertools.cycle(("test", "train"))
    indices = itertools.count(7)
    positions = itertools.count()

    def pick():  # one of the gallery's "#index" pills, a different one each time
        options = app.pills(key="explorer_gallery_pick").options
        app.pills(key="explorer_gallery_pick").set_value(
            int(options[next(positions) % len(options)].lstrip("#")))

    def fine():  # another fine class of the superclass the previous step left chosen
        options = app.selectbox(key="explorer_fine").options
        app.selectbox(key="explorer_fine").set_value(options[next(positions) % len(options)])

    return [
        ("superclass filter", lambda: app.selectbox(key="explorer_super").set_value(next(supers))),
        ("fine-class filter", fine),
        ("draw another sample", lambda: app.button(key="explorer_draw").click()),
        ("pick a gallery image", pick),
        ("close-up index", lambda: app.number_input(key="explorer_index").set_value(next(indices))),
        ("statistics class", lambda: app.selectbox(key="explorer_stats_class")
         .set_value(next(stats_classes))),
        ("statistics split", lambda: app.segmented_control(key="explorer_stats_split")
         .set_value(next(splits))),
        ("language switch", lambda: app.sidebar.selectbox(key="lang")
         .set_value("ko" if app.sidebar.selectbox(key="lang").value == "en" else "en")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="a folder with the four course files (default: empty, synthetic)")
    args = parser.parse_args()
    os.environ["CNNLAB_DATA_DIR"] = str(args.data_dir or tempfile.mkdtemp(prefix="explorer-bench-"))
    sys.path.insert(0, str(ROOT))

    from streamlit.testing.v1 import AppTest

    from core import st_cache

    share_script_cache()
    scripts = time_scripts()
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    start = time.perf_counter()
    app.run()
    app.switch_page(PAGE).run()
    first = time.perf_counter() - start
    assert not app.exception, app.exception
    dataset = st_cache.default_data().dataset
    print(f"dataset: {dataset.source}, {len(dataset.x_train)} train / {len(dataset.x_test)} test;"
          f" first load (home + explorer, data included): {first:.2f} s\n")
    print("| interaction | runs | script median / p95 | script CPU median / p95 "
          "| apptest median / p95 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    every = {"script": [], "CPU": [], "apptest": []}
    for name, change in interactions(app, dataset):
        ms = {"script": [], "CPU": [], "apptest": []}
        for _ in range(args.repeats):
            change()
            scripts.clear()
            start = time.perf_counter()
            app.run()
            ms["apptest"].append((time.perf_counter() - start) * 1000)
            ms["script"].append(sum(wall for wall, _ in scripts) * 1000)
            ms["CPU"].append(sum(cpu for _, cpu in scripts) * 1000)
            assert not app.exception, (name, app.exception)
        cells = []
        for column, values in ms.items():
            every[column] += values
            cells.append(f"{np.median(values):.0f} / {np.percentile(values, 95):.0f} ms")
        print(f"| {name} | {args.repeats} | " + " | ".join(cells) + " |")
    print()
    for column, values in every.items():
        print(f"all interactions, {column}: median {np.median(values):.0f} ms, p95 "
              f"{np.percentile(values, 95):.0f} ms, max {np.max(values):.0f} ms")
    print(f"target < {TARGET_MS} ms; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs; 'tensorflow' imported: {'tensorflow' in sys.modules}")


if __name__ == "__main__":
    main()
