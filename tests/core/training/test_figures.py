"""The training page's charts: smoothing never moves the number a student reads."""
import pandas as pd
import pytest

from core.training.figures import MIN_SMOOTHED_POINTS, overlay_figure

TEXTS = {"x": "Epoch", "y": "Accuracy (%)"}


def traces(fig, mode):
    return [trace for trace in fig.data if trace.mode == mode]


def test_a_short_curve_is_drawn_as_it_is_and_ends_at_its_last_value():
    """The bug: a 3-epoch run that ended at 49% was drawn ending at 45%."""
    x, y = pd.Series([1, 2, 3]), pd.Series([20.0, 42.0, 49.0])
    fig = overlay_figure([("#1", x, y)], TEXTS, smoothing=0.6, smoothed=True,
                         last_format="{:.1f}%")
    lines = traces(fig, "lines")
    assert len(lines) == 1 and list(lines[0].y) == [20.0, 42.0, 49.0], "no smoothing"
    marker, = traces(fig, "markers+text")
    assert list(marker.y) == [49.0] and list(marker.text) == ["49.0%"]


def test_a_long_curve_is_smoothed_but_its_last_value_stays_marked():
    n = MIN_SMOOTHED_POINTS + 5
    x = pd.Series(range(1, n + 1))
    y = pd.Series([10.0 + (3.0 if i % 2 else -3.0) + i for i in range(n)])
    fig = overlay_figure([("#2", x, y)], TEXTS, smoothing=0.9, smoothed=True,
                         last_format="{:.1f}%")
    raw, smooth = traces(fig, "lines")
    assert list(raw.y) == list(y) and smooth.y[-1] != pytest.approx(y.iloc[-1])
    marker, = traces(fig, "markers+text")
    assert marker.y[0] == y.iloc[-1] and marker.text[0] == f"{y.iloc[-1]:.1f}%"


def test_smoothing_off_draws_raw_curves():
    x = pd.Series(range(1, 31))
    y = pd.Series([float(v % 7) for v in range(30)])
    fig = overlay_figure([("#3", x, y)], TEXTS, smoothed=False)
    assert len(traces(fig, "lines")) == 1
