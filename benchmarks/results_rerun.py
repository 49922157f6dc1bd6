"""What one rerun of the training page costs once a run has ended: what every watcher's
session pays at the same moment when a class's shared run finishes.

Run by hand (about a minute):

    python -m benchmarks.results_rerun [--repeats 20] [--images 600] [--epochs 2]

Drives the training page with Streamlit's AppTest on the synthetic dataset: trains one
run of the stride model (capped at `--images` images, so it ends soon), waits for it to
finish, then reruns the whole page `--repeats` times as it stands: the ended live panel
with its curves and filters, the runs table and comparison, the results (confusion
matrix, accuracy per class, misclassified images) and the look-inside section. Prints
the script's wall and CPU time per rerun (median and 95th percentile; CPU is the script
thread's own, which a busy machine does not inflate) and how many elements it sent.
With `python -m benchmarks.class_load --trainers 12` the slowest clicks of the other
students came as the shared run ended, when every watcher reran this page at once.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.class_load import percentile
from benchmarks.explorer_rerun import ROOT, share_script_cache, time_scripts
from tests.app.test_training import texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--images", type=int, default=600)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    from core import settings

    settings.install(settings.current().replace(
        data_dir=Path(tempfile.mkdtemp()),  # empty: the synthetic set
        library_dir=Path(tempfile.mkdtemp()),  # empty: the run trains
        train_max_images=args.images))
    share_script_cache()
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    app.run()
    app.switch_page("app_pages/training.py").run()
    app.number_input(key="train_epochs").set_value(args.epochs).run()
    app.button(key="train_start").click().run()
    deadline = time.monotonic() + 600
    while "Finished. Test accuracy" not in texts(app):
        if time.monotonic() > deadline:
            raise SystemExit("the run did not finish within 10 minutes")
        time.sleep(0.5)
        app.run()
    runs = time_scripts()
    elements = 0
    for _ in range(args.repeats):
        app.run()
        elements = sum(1 for _ in app._tree.main)  # top-level blocks and elements
        assert not app.exception, app.exception
    wall = [w * 1000 for w, _ in runs]
    cpu = [c * 1000 for _, c in runs]
    print(f"{len(runs)} reruns of the training page with an ended run "
          f"({args.images} images x {args.epochs} epochs), {elements} top-level elements")
    print(f"script wall: median {statistics.median(wall):.0f} ms, p95 "
          f"{percentile(wall, 0.95):.0f} ms; script CPU: median {statistics.median(cpu):.0f} "
          f"ms, p95 {percentile(cpu, 0.95):.0f} ms")


if __name__ == "__main__":
    main()
