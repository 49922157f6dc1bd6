"""Plotly drawings of "one output value, computed"; they draw core.calculator.one_value's
numbers and compute none of them.

`where_figure`: the image with the 3x3 window (and the padding around it), beside the
filter's feature map with the output cell. `computation_figure`: per channel, the patch,
the kernel and the nine products, every number written in its cell. `pool_figure`: the
2x2 window after ReLU that MaxPooling2D reduces to one value. `sharing_figure`: Conv2D
against Dense parameters on a log axis. Labels arrive translated.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.calculator.one_value import OneValue

WINDOW, CELL = "#dc2626", "#f59e0b"  # the calculator's colours: red window, amber cell
PAD = "#d1d5db"
CHANNEL_SCALES = ("Reds", "Greens", "Blues")
CONV_COLOUR, DENSE_COLOUR = "#2563eb", "#ea580c"


def _box(top: float, left: float, height: float, width: float, colour: str) -> go.Scatter:
    x0, x1, y0, y1 = left - 0.5, left + width - 0.5, top - 0.5, top + height - 0.5
    return go.Scatter(x=[x0, x1, x1, x0, x0], y=[y0, y0, y1, y1, y0], mode="lines",
                      line={"color": colour, "width": 3}, hoverinfo="skip", showlegend=False)


def where_figure(image: np.ndarray, result: OneValue, pad: tuple, labels: dict) -> go.Figure:
    """Left: image (H, W, 3) uint8 on a grey frame of `pad` = (top, bottom, left, right)
    padding cells, the window outlined; right: the feature map, the output cell outlined.

    labels: image, output (titles), x, y, value."""
    h, w = image.shape[:2]
    top, bottom, left, right = pad
    feature = result.feature
    fig = make_subplots(rows=1, cols=2, subplot_titles=(labels["image"], labels["output"]),
                        horizontal_spacing=0.1)
    frame = np.full((h + top + bottom, w + left + right, 3), 209, np.uint8)  # PAD's grey
    frame[top:top + h, left:left + w] = image
    fig.add_trace(go.Image(z=frame, x0=-left, y0=-top, hoverinfo="skip"), row=1, col=1)
    k = result.kernels.shape[-1]
    fig.add_trace(_box(result.top, result.left, k, k, WINDOW), row=1, col=1)
    limit = float(max(np.abs(feature).max(), 1e-9))
    fig.add_trace(go.Heatmap(z=feature, colorscale="RdBu", reversescale=True, zmid=0,
                             zmin=-limit, zmax=limit, colorbar={"title": {"text": labels["value"]}},
                             hovertemplate=f"{labels['y']}: %{{y}}<br>{labels['x']}: %{{x}}<br>"
                                           f"{labels['value']}: %{{z:.2f}}<extra></extra>"),
                  row=1, col=2)
    fig.add_trace(_box(result.row, result.col, 1, 1, CELL), row=1, col=2)
    for col, (rows, cols) in ((1, (h + top + bottom, w + left + right)), (2, feature.shape)):
        first = -top if col == 1 else 0
        first_x = -left if col == 1 else 0
        fig.update_xaxes(title_text=labels["x"], range=[first_x - 0.5, first_x + cols - 0.5],
                         showgrid=False, zeroline=False, constrain="domain", row=1, col=col)
        fig.update_yaxes(title_text=labels["y"], range=[first + rows - 0.5, first - 0.5],
                         showgrid=False, zeroline=False, scaleanchor=f"x{col if col > 1 else ''}",
                         constrain="domain", row=1, col=col)
    fig.update_layout(height=380, margin={"t": 50, "b": 40, "l": 50, "r": 20})
    return fig


def _text(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return f"{0:.{digits}f}" if text.lstrip("-0.") == "" else text  # never "-0.00"


def _cells(values: np.ndarray, digits: int) -> list[list[str]]:
    return [[_text(v, digits) for v in row] for row in values]


def computation_figure(result: OneValue, labels: dict) -> go.Figure:
    """One row per channel: patch | kernel | products, every cell's number written in it,
    the channel's sum at the right. labels: channels (3 names), patch, kernel, products,
    sum (a format string over value), x, y."""
    channels = len(result.sums)
    fig = make_subplots(rows=channels, cols=3, horizontal_spacing=0.06, vertical_spacing=0.05,
                        column_titles=(labels["patch"], labels["kernel"], labels["products"]))
    weight_limit = float(max(np.abs(result.kernels).max(), 1e-9))
    product_limit = float(max(np.abs(result.products).max(), 1e-9))
    for c in range(channels):
        patch = np.where(result.is_pad, np.nan, result.patches[c])  # padding drawn grey
        text = [["0" if pad else f"{v:.0f}" for v, pad in zip(row, pads)]  # 0..255
                for row, pads in zip(result.patches[c], result.is_pad)]
        fig.add_trace(go.Heatmap(z=patch, text=text, texttemplate="%{text}", zmin=0, zmax=255,
                                 colorscale=CHANNEL_SCALES[c % 3], showscale=False, xgap=2,
                                 ygap=2, hoverinfo="skip"), row=c + 1, col=1)
        fig.add_trace(go.Heatmap(z=result.kernels[c], text=_cells(result.kernels[c], 3),
                                 texttemplate="%{text}", colorscale="RdBu", reversescale=True,
                                 zmid=0, zmin=-weight_limit, zmax=weight_limit, showscale=False,
                                 xgap=2, ygap=2, hoverinfo="skip"), row=c + 1, col=2)
        fig.add_trace(go.Heatmap(z=result.products[c], text=_cells(result.products[c], 2),
                                 texttemplate="%{text}", colorscale="RdBu", reversescale=True,
                                 zmid=0, zmin=-product_limit, zmax=product_limit,
                                 showscale=False, xgap=2, ygap=2, hoverinfo="skip"),
                      row=c + 1, col=3)
        total = _text(result.sums[c], 2)
        fig.add_annotation(text=f"<b>{labels['sum'].format(value=total)}</b>", x=1.04,
                           xref="x domain", y=0.5, yref="y domain", showarrow=False,
                           xanchor="left", font={"size": 14}, row=c + 1, col=3)
        fig.update_yaxes(title_text=f"<b>{labels['channels'][c]}</b><br>{labels['y']}",
                         row=c + 1, col=1)
    k = result.kernels.shape[-1]
    fig.update_xaxes(tickvals=list(range(k)), showgrid=False, zeroline=False,
                     constrain="domain")
    fig.update_xaxes(title_text=labels["x"], row=channels)
    for row in range(1, channels):  # the columns' numbers once, under the last row
        fig.update_xaxes(showticklabels=False, row=row)
    fig.update_yaxes(tickvals=list(range(k)), autorange="reversed", showgrid=False,
                     zeroline=False, constrain="domain")
    for i in range(1, 3 * channels + 1):  # square cells
        fig.update_yaxes(scaleanchor=f"x{i if i > 1 else ''}", row=(i - 1) // 3 + 1,
                         col=(i - 1) % 3 + 1)
    fig.update_layout(height=210 * channels + 60, plot_bgcolor=PAD,
                      margin={"t": 40, "b": 20, "l": 70, "r": 130})
    return fig


def pool_figure(result: OneValue, labels: dict) -> go.Figure:
    """The 2x2 window of ReLU outputs, each value written; the student's cell and the
    largest outlined. labels: title, x, y."""
    pool = result.pool
    values = pool.values
    rows = [pool.top + i for i in range(values.shape[0])]
    cols = [pool.left + j for j in range(values.shape[1])]
    fig = go.Figure(go.Heatmap(z=values, x=cols, y=rows, text=_cells(values, 2),
                               texttemplate="%{text}", colorscale="Blues", showscale=False,
                               xgap=3, ygap=3, hoverinfo="skip",
                               zmin=0, zmax=float(max(values.max(), 1e-9))))
    best = np.unravel_index(int(np.argmax(values)), values.shape)
    fig.add_trace(_box(rows[best[0]], cols[best[1]], 1, 1, WINDOW))
    fig.add_trace(_box(result.row, result.col, 0.8, 0.8, CELL))
    fig.update_xaxes(title_text=labels["x"], tickvals=cols, showgrid=False, zeroline=False,
                     constrain="domain")
    fig.update_yaxes(title_text=labels["y"], tickvals=rows, autorange="reversed",
                     showgrid=False, zeroline=False, scaleanchor="x", constrain="domain")
    fig.update_layout(title=labels["title"], height=300, margin={"t": 50, "b": 40, "l": 60,
                                                                   "r": 20})
    return fig


def sharing_figure(names: list[str], conv: list[int], dense: list[int], labels: dict) -> go.Figure:
    """Parameters of each Conv2D and of the Dense layer that would replace it, log axis.
    labels: conv, dense (legend), x, y (axis titles)."""
    fig = go.Figure()
    for values, name, colour in ((conv, labels["conv"], CONV_COLOUR),
                                 (dense, labels["dense"], DENSE_COLOUR)):
        fig.add_trace(go.Bar(x=values, y=names, orientation="h", name=name,
                             marker_color=colour, text=[f"{v:,}" for v in values],
                             textposition="outside", cliponaxis=False,
                             hovertemplate="%{y}: %{x:,}<extra></extra>"))
    fig.update_xaxes(title_text=labels["x"], type="log")
    fig.update_yaxes(title_text=labels["y"], autorange="reversed")
    fig.update_layout(barmode="group", height=120 + 70 * len(names),
                      margin={"t": 30, "b": 40, "l": 10, "r": 90},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig
