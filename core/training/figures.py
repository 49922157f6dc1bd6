"""Plotly figures of the training page, drawn from core.training.evaluation's tables and arrays.

Each function takes plain data and the already translated texts it shows and returns a
`go.Figure` with titled axes; nothing here trains or evaluates. Curves: per-batch
loss, per-epoch train vs validation loss and accuracy, several runs overlaid with
TensorBoard smoothing. Grids: confusion matrix, feature maps, first-layer filters.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.training.evaluation import ema_smooth

TRAIN_COLOUR, VAL_COLOUR = "#2563eb", "#ea580c"  # blue: training data, orange: held out
RUN_COLOURS = ("#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2",
               "#ca8a04", "#4b5563")  # one per overlaid run, in order
MARGIN = dict(l=10, r=10, t=40, b=10)
LEGEND = dict(orientation="h", y=1.02, yanchor="bottom", x=0)


def batch_loss_figure(batches: pd.DataFrame, texts: dict, height: int = 300) -> go.Figure:
    """Every batch's loss against the (fractional) epoch: batches_frame's table.

    texts: title, epoch (x axis), loss (y axis).
    """
    fig = go.Figure(go.Scatter(
        x=batches["epoch"], y=batches["loss"], mode="lines", line=dict(color=TRAIN_COLOUR,
                                                                        width=1),
        hovertemplate=f"{texts['epoch']}: %{{x:.2f}}<br>{texts['loss']}: %{{y:.4f}}"
                      "<extra></extra>"))
    fig.update_xaxes(title_text=texts["epoch"], rangemode="tozero")
    fig.update_yaxes(title_text=texts["loss"], rangemode="tozero")
    fig.update_layout(title=texts["title"], margin=MARGIN, height=height)
    return fig


def epoch_figure(epochs: pd.DataFrame, texts: dict, height: int = 320) -> go.Figure:
    """Loss (left) and accuracy in % (right) per epoch, training vs validation.

    epochs: epochs_frame's table. texts: epoch, loss, accuracy (axis titles), train,
    val (legend), loss_title, accuracy_title.
    """
    gap, width = 0.1, 0.45
    fig = go.Figure()
    for column, name, colour in (("", texts["train"], TRAIN_COLOUR),
                                 ("val_", texts["val"], VAL_COLOUR)):
        if epochs[f"{column}loss"].isna().all():
            continue  # no validation split
        for axis, metric, scale in (("", "loss", 1), ("2", "accuracy", 100)):
            fig.add_trace(go.Scatter(
                x=epochs["epoch"], y=epochs[f"{column}{metric}"] * scale, name=name,
                mode="lines+markers", line=dict(color=colour), legendgroup=name,
                showlegend=axis == "", xaxis=f"x{axis}", yaxis=f"y{axis}",
                hovertemplate=f"{name}<br>{texts['epoch']}: %{{x}}<br>"
                              f"{texts[metric]}: %{{y:.{2 if scale == 100 else 4}f}}"
                              "<extra></extra>"))
    fig.update_layout(
        xaxis=dict(domain=[0, width], title_text=texts["epoch"], dtick=_epoch_tick(epochs)),
        yaxis=dict(title_text=texts["loss"], rangemode="tozero"),
        xaxis2=dict(domain=[width + gap, 1], anchor="y2", title_text=texts["epoch"],
                    dtick=_epoch_tick(epochs)),
        yaxis2=dict(anchor="x2", title_text=texts["accuracy"], range=[0, 100]),
        annotations=[_panel_title(texts["loss_title"], width / 2),
                     _panel_title(texts["accuracy_title"], width + gap + width / 2)],
        margin=dict(MARGIN, t=60), height=height, legend=dict(LEGEND, y=1.12))
    return fig


def _epoch_tick(epochs: pd.DataFrame) -> int | None:
    return 1 if len(epochs) <= 12 else None  # whole epochs only while few


def _panel_title(text: str, x: float) -> dict:
    return dict(text=f"<b>{text}</b>", x=x, y=1.0, xref="paper", yref="paper",
                xanchor="center", yanchor="bottom", showarrow=False)


MIN_SMOOTHED_POINTS = 10  # a shorter curve is drawn as it is: an average would hide it


def overlay_figure(runs: list[tuple[str, pd.Series, pd.Series]], texts: dict,
                   smoothing: float = 0.6, smoothed: bool = True, height: int = 380,
                   last_format: str = "{:.3g}") -> go.Figure:
    """Several runs' curves on one chart, TensorBoard style.

    runs: (name, x, y) per run. smoothed: draw the debiased EMA (core.training.evaluation.ema_smooth)
    of weight `smoothing` boldly over the faint raw curve, for curves of at least
    MIN_SMOOTHED_POINTS points; else the raw curve alone. Either way the last point is
    marked with its raw value (last_format): smoothing never moves the number a student
    reads at the end of a run. texts: x, y (axis titles).
    """
    fig = go.Figure()
    for i, (name, x, y) in enumerate(runs):
        colour = RUN_COLOURS[i % len(RUN_COLOURS)]
        hover = f"{name}<br>{texts['x']}: %{{x:.2f}}<br>{texts['y']}: %{{y:.4f}}<extra></extra>"
        smooth = smoothed and y.notna().sum() >= MIN_SMOOTHED_POINTS
        fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines", legendgroup=name,
                                 line=dict(color=colour, width=1 if smooth else 1.5),
                                 opacity=0.3 if smooth else 1.0, showlegend=not smooth,
                                 hovertemplate=hover))
        if smooth:
            fig.add_trace(go.Scatter(x=x, y=ema_smooth(y, smoothing), name=name,
                                     mode="lines", legendgroup=name,
                                     line=dict(color=colour, width=2), hovertemplate=hover))
        last = y.last_valid_index()
        if last is not None:
            fig.add_trace(go.Scatter(
                x=[x[last]], y=[y[last]], mode="markers+text", legendgroup=name,
                marker=dict(color=colour, size=8), text=[last_format.format(y[last])],
                textposition="middle right", showlegend=False, hovertemplate=hover))
    fig.update_xaxes(title_text=texts["x"], rangemode="tozero")
    fig.update_yaxes(title_text=texts["y"])
    fig.update_layout(margin=MARGIN, height=height, legend=LEGEND)
    return fig


def confusion_figure(matrix: np.ndarray, class_names, texts: dict,
                     height: int | None = None) -> go.Figure:
    """Counts of (true class, predicted class); the diagonal is what the model got right.

    texts: true, predicted (axis titles), count (hover).
    """
    names = list(class_names)
    height = height or max(360, 60 + 32 * len(names))
    fig = go.Figure(go.Heatmap(
        z=matrix, x=names, y=names, colorscale="Blues", zmin=0, zmax=max(int(matrix.max()), 1),
        text=matrix, texttemplate="%{text}" if len(names) <= 15 else None,
        colorbar=dict(title=dict(text=texts["count"])),
        hovertemplate=f"{texts['true']}: %{{y}}<br>{texts['predicted']}: %{{x}}<br>"
                      f"{texts['count']}: %{{z}}<extra></extra>"))
    fig.update_xaxes(title_text=texts["predicted"], tickangle=-40, side="bottom")
    fig.update_yaxes(title_text=texts["true"], autorange="reversed")
    fig.update_layout(margin=MARGIN, height=height)
    return fig


def probability_figure(probs: np.ndarray, class_names, texts: dict,
                       height: int | None = None) -> go.Figure:
    """The model's probability of each class for one image, as horizontal bars in %.

    texts: probability (x axis), class (y axis).
    """
    order = np.argsort(probs)  # the most probable class ends up on top
    names = [list(class_names)[i] for i in order]
    fig = go.Figure(go.Bar(x=probs[order] * 100, y=names, orientation="h",
                           marker_color=TRAIN_COLOUR, texttemplate="%{x:.1f}%",
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.2f}%<extra></extra>"))
    fig.update_xaxes(title_text=texts["probability"], range=[0, 115])
    fig.update_yaxes(title_text=texts["class"])
    fig.update_layout(margin=MARGIN, height=height or 80 + 24 * len(names))
    return fig


def mosaic(tiles: np.ndarray, columns: int, gap: int = 1, fill: float = np.nan) -> np.ndarray:
    """(N, h, w[, c]) tiles laid out in rows of `columns`, `gap` pixels of `fill` between:
    (rows * (h + gap) - gap, columns * (w + gap) - gap[, c])."""
    n, h, w = tiles.shape[:3]
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap) + tiles.shape[3:],
                  fill, dtype=float)
    for i, tile in enumerate(tiles):
        top, left = (i // columns) * (h + gap), (i % columns) * (w + gap)
        out[top:top + h, left:left + w] = tile
    return out


def feature_map_figure(maps: np.ndarray, texts: dict, columns: int = 8,
                       max_maps: int = 32, height: int | None = None) -> go.Figure:
    """A conv layer's feature maps (H, W, C) as a grid of heatmaps, one per filter.

    Each map is scaled to its own 0..1 so weak filters show their pattern too; hover
    gives the filter number and the raw value. texts: x, y (axis titles), filter, value.
    """
    h, w, channels = maps.shape
    shown = np.moveaxis(maps[:, :, :max_maps], -1, 0)  # (C', H, W)
    low = shown.min(axis=(1, 2), keepdims=True)
    span = shown.max(axis=(1, 2), keepdims=True) - low
    scaled = (shown - low) / np.where(span > 0, span, 1)
    gap = max(1, h // 8)
    grid = mosaic(scaled, columns, gap)
    raw = mosaic(shown, columns, gap)
    index = mosaic(np.broadcast_to(np.arange(len(shown))[:, None, None] + 1, shown.shape)
                   .astype(float), columns, gap)
    fig = go.Figure(go.Heatmap(
        z=grid, customdata=np.dstack([index, raw]), colorscale="Viridis", zmin=0, zmax=1,
        showscale=False, zsmooth=False, hoverongaps=False,
        hovertemplate=f"{texts['filter']} %{{customdata[0]:.0f}}<br>"
                      f"{texts['value']}: %{{customdata[1]:.3f}}<extra></extra>"))
    fig.update_xaxes(title_text=texts["x"], showticklabels=False, showgrid=False,
                     zeroline=False, constrain="domain")
    fig.update_yaxes(title_text=texts["y"], showticklabels=False, showgrid=False,
                     zeroline=False, autorange="reversed", scaleanchor="x")
    rows = grid.shape[0] / grid.shape[1]
    fig.update_layout(margin=MARGIN, height=height or int(120 + 640 * rows),
                      plot_bgcolor="white")
    return fig


def filters_figure(tiles: np.ndarray, texts: dict, columns: int = 16,
                   height: int | None = None) -> go.Figure:
    """First-layer filters (F, k_h, k_w, 3) in 0..1 as small RGB tiles on white."""
    grid = mosaic(tiles, columns, gap=1, fill=1.0)  # (rows*(k+1)-1, cols*(k+1)-1, 3)
    fig = go.Figure(go.Image(z=(grid * 255).round().astype(np.uint8),
                             hovertemplate=f"{texts['x']}: %{{x}}, {texts['y']}: %{{y}}"
                                           "<extra></extra>"))
    fig.update_xaxes(title_text=texts["x"], showticklabels=False, showgrid=False)
    fig.update_yaxes(title_text=texts["y"], showticklabels=False, showgrid=False)
    rows = grid.shape[0] / grid.shape[1]
    fig.update_layout(margin=MARGIN, height=height or int(100 + 900 * rows))
    return fig
