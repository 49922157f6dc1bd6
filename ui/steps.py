"""The lab's four steps (the notebook's sections 0-3) and the page that teaches each.

The navigation (streamlit_app.py) and the home page both read this one table.
"""
from __future__ import annotations

from typing import NamedTuple


class Step(NamedTuple):
    section: int  # the notebook's section
    key: str  # i18n prefix: <key>.title, <key>.what, <key>.open
    page: str  # the page file
    icon: str
    url: str  # the page's address: /data, /calculator, ...


STEPS = (
    Step(0, "step.data", "app_pages/data_explorer.py", ":material/photo_library:", "data"),
    Step(1, "step.calculator", "app_pages/calculator.py", ":material/calculate:", "calculator"),
    Step(2, "step.training", "app_pages/training.py", ":material/monitoring:", "training"),
    Step(3, "step.transfer", "app_pages/transfer.py", ":material/swap_horiz:", "transfer"),
)
HOME = "app_pages/home.py"
TRAINING_PAGE = STEPS[2].page  # where the calculator sends a stack to train
