"""Pictures of a forward pass (core.training.forward): small previews of every layer's
output, and Plotly charts of the vectors at the end of the network.

`preview(values)` turns a layer's output into an RGB picture: the first few feature maps
side by side, or a vector as rows of cells, on one colour scale per layer (blue for
negative, white for 0, red for positive, as the calculator's feature maps; the strongest
1% at full colour), so the maps of one layer compare with each other. `vector_figure`
and `class_figure` draw a vector, and the values before the softmax beside the
probabilities, with titled axes. They draw; the numbers come from the pass.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.data.explore import upscale
from core.training.figures import MARGIN, TRAIN_COLOUR, VAL_COLOUR, mosaic

PREVIEW_MAPS = 8  # feature maps shown per layer in the overview
VECTOR_ROW = 64  # a vector's cells per row in its preview
NEGATIVE, POSITIVE = np.array([37, 99, 235]), np.array([220, 38, 38])  # blue, red


SATURATE = 99  # percentile of |value| drawn at full colour: a few extreme values would
#               leave every other cell near white


def scale_of(values: np.ndarray) -> float:
    """The layer's colour scale: the 99th percentile of its absolute values, or its largest
    when that is 0 (1 for an all-zero output)."""
    magnitude = np.abs(values[np.isfinite(values)]) if values.size else np.zeros(1)
    for limit in (np.percentile(magnitude, SATURATE), magnitude.max()):
        if limit > 0:
            return float(limit)
    return 1.0


def colour(values: np.ndarray, limit: float) -> np.ndarray:
    """values (...) -> uint8 RGB (..., 3): white at 0, full blue at -limit, red at +limit;
    NaN (gaps) stays white."""
    share = np.clip(np.nan_to_num(values / limit), -1, 1)[..., None]
    white = np.full(3, 255.0)
    rgb = np.where(share < 0, white + (NEGATIVE - white) * -share,
                   white + (POSITIVE - white) * share)
    return rgb.round().astype(np.uint8)


def preview(values: np.ndarray, height: int = 64) -> np.ndarray:
    """A layer's output as a uint8 RGB picture about `height` pixels high.

    values: (H, W, C) -> the first PREVIEW_MAPS maps side by side; (N,) -> rows of
    VECTOR_ROW cells."""
    limit = scale_of(values)
    if values.ndim == 3:
        maps = np.moveaxis(values[:, :, :PREVIEW_MAPS], -1, 0)  # (C', H, W)
        grid = mosaic(maps, PREVIEW_MAPS, gap=max(1, values.shape[0] // 8))
    else:
        width = max(1, min(VECTOR_ROW, values.size))
        padded = np.full(-(-values.size // width) * width, np.nan)  # NaN: the last row's gap
        padded[:values.size] = values
        grid = padded.reshape(-1, width)
    factor = max(1, height // grid.shape[0])
    return upscale(colour(grid, limit), factor)


def vector_figure(values: np.ndarray, texts: dict) -> go.Figure:
    """Every value of a vector against its position. texts: title, x, y."""
    fig = go.Figure(go.Bar(x=np.arange(values.size), y=values, marker_color=TRAIN_COLOUR,
                           hovertemplate=f"{texts['x']}: %{{x}}<br>{texts['y']}: "
                                         "%{y:.4f}<extra></extra>"))
    fig.update_xaxes(title_text=texts["x"])
    fig.update_yaxes(title_text=texts["y"])
    fig.update_layout(title=texts["title"], margin=dict(MARGIN, t=50), height=320, bargap=0)
    return fig


def class_figure(logits: np.ndarray, probabilities: np.ndarray, names, texts: dict) -> go.Figure:
    """The Dense layer's outputs before the softmax (left) and the softmax's probabilities
    (right), one bar per class. texts: logits_title, probs_title, logit, probability, class."""
    names = list(names) if names is not None else [str(i) for i in range(len(logits))]
    fig = make_subplots(rows=1, cols=2, subplot_titles=(texts["logits_title"],
                                                        texts["probs_title"]),
                        horizontal_spacing=0.22)
    fig.add_trace(go.Bar(x=logits, y=names, orientation="h", marker_color=VAL_COLOUR,
                         texttemplate="%{x:.2f}", textposition="outside", cliponaxis=False,
                         hovertemplate="%{y}: %{x:.4f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=probabilities * 100, y=names, orientation="h",
                         marker_color=TRAIN_COLOUR, texttemplate="%{x:.1f}%",
                         textposition="outside", cliponaxis=False,
                         hovertemplate="%{y}: %{x:.2f}%<extra></extra>"), row=1, col=2)
    spread = float(max(np.abs(logits).max(), 1e-9)) * 1.35
    fig.update_xaxes(title_text=texts["logit"], range=[min(0, float(logits.min()) * 1.35),
                                                       max(spread, 0.1)], row=1, col=1)
    fig.update_xaxes(title_text=texts["probability"], range=[0, 120], row=1, col=2)
    fig.update_yaxes(title_text=texts["class"], autorange="reversed", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(showlegend=False, margin=dict(MARGIN, t=50, r=30),
                      height=120 + 28 * len(names))
    return fig
