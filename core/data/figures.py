"""Plotly figures of the data explorer, drawn from plain numpy/pandas results.

Each function takes arrays computed in `core.data.explore` and the already translated
texts it shows, and returns a `go.Figure`; nothing here computes statistics.
Pixels are drawn as crisp squares (`go.Image`, and heatmaps without smoothing).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.data.explore import CHANNELS, split_channels

CHANNEL_COLOURS = {"R": "rgb(220,40,40)", "G": "rgb(30,150,60)", "B": "rgb(40,90,220)"}
CHANNEL_SCALES = {"R": "rgb(255,0,0)", "G": "rgb(0,255,0)", "B": "rgb(0,0,255)"}  # colour at 255
SUPER_COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#9D755D")  # one per superclass
MARGIN = dict(l=10, r=10, t=40, b=10)


def _pixel_axes(fig: go.Figure, x_title: str, y_title: str) -> None:
    """Square pixels, row 0 at the top, like `train[n][y, x]` indexes them."""
    fig.update_xaxes(title_text=x_title, constrain="domain")
    fig.update_yaxes(title_text=y_title, autorange="reversed", scaleanchor="x")


def structure_figure(counts: pd.DataFrame, value_label: str) -> go.Figure:
    """Sunburst of superclasses (inner ring) and their fine classes, sized by train counts.

    counts: Dataset.counts() (coarse_labels, fine_labels, train, test).
    """
    supers = counts.groupby("coarse_labels", sort=True)[["train", "test"]].sum()
    colour = {s: SUPER_COLOURS[i % len(SUPER_COLOURS)] for i, s in enumerate(supers.index)}
    pairs = zip(counts.coarse_labels, counts.fine_labels)
    ids = list(supers.index) + [f"{s}/{f}" for s, f in pairs]
    fig = go.Figure(go.Sunburst(
        ids=ids,
        labels=list(supers.index) + list(counts.fine_labels),
        parents=[""] * len(supers) + list(counts.coarse_labels),
        values=list(supers.train) + list(counts.train),
        branchvalues="total",
        marker=dict(colors=[colour[s] for s in supers.index]
                    + [colour[s] for s in counts.coarse_labels]),
        hovertemplate=f"<b>%{{label}}</b><br>{value_label}: %{{value:,}}<extra></extra>",
        insidetextorientation="radial",
    ))
    fig.update_layout(margin=dict(l=0, r=0, t=10, b=0), height=420)
    return fig


def image_figure(image: np.ndarray, x_title: str, y_title: str, height: int = 440) -> go.Figure:
    """One (H, W, 3) uint8 image, large, with x, y and R, G, B on hover."""
    fig = go.Figure(go.Image(
        z=image,
        hovertemplate="x: %{x}, y: %{y}<br>R: %{color[0]}, G: %{color[1]}, B: %{color[2]}"
                      "<extra></extra>"))
    _pixel_axes(fig, x_title, y_title)
    fig.update_layout(margin=MARGIN, height=height)
    return fig


def channels_figure(image: np.ndarray, titles: dict[str, str], x_title: str,
                    y_title: str, height: int = 340) -> go.Figure:
    """The R, G and B planes of an (H, W, 3) image side by side, each in its own colour.

    A channel is a grey-level image: black where the channel is 0, full colour at 255.
    titles: channel letter -> panel title. (Axes laid out by hand: make_subplots is
    five times slower, and this figure is rebuilt on every rerun.)
    """
    planes = split_channels(image)  # (3, H, W)
    gap = 0.06  # between panels, as a fraction of the figure width
    width = (1 - 2 * gap) / 3
    traces, layout = [], {"annotations": []}
    for i, (name, plane) in enumerate(zip(CHANNELS, planes)):
        n = "" if i == 0 else str(i + 1)  # plotly names axes x, x2, x3
        left = i * (width + gap)
        traces.append(go.Heatmap(
            z=plane, zmin=0, zmax=255, zsmooth=False, showscale=False, xaxis=f"x{n}",
            yaxis=f"y{n}", colorscale=[[0.0, "black"], [1.0, CHANNEL_SCALES[name]]],
            hovertemplate=f"x: %{{x}}, y: %{{y}}<br>{name}: %{{z}}<extra></extra>"))
        layout[f"xaxis{n}"] = dict(domain=[left, left + width], anchor=f"y{n}",
                                   title=dict(text=x_title), constrain="domain")
        layout[f"yaxis{n}"] = dict(anchor=f"x{n}", autorange="reversed", scaleanchor=f"x{n}",
                                   title=dict(text=y_title if i == 0 else None))
        layout["annotations"].append(dict(text=titles[name], x=left + width / 2, y=1.0,
                                          xref="paper", yref="paper", xanchor="center",
                                          yanchor="bottom", showarrow=False))
    fig = go.Figure(data=traces, layout=layout)
    fig.update_layout(margin=MARGIN, height=height)
    return fig


def histogram_figure(histogram: np.ndarray, names: dict[str, str], x_title: str,
                     y_title: str, height: int = 340) -> go.Figure:
    """Per-channel pixel-value histograms: histogram (3, 256) counts, one line per channel."""
    values = np.arange(histogram.shape[1])
    fig = go.Figure([
        go.Scatter(x=values, y=counts, mode="lines", name=names[c],
                   line=dict(color=CHANNEL_COLOURS[c], width=1.5),
                   hovertemplate=f"{names[c]}<br>{x_title}: %{{x}}<br>{y_title}: %{{y:,}}"
                                 "<extra></extra>")
        for c, counts in zip(CHANNELS, histogram)])
    fig.update_xaxes(title_text=x_title, range=[0, 255])
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    fig.update_layout(margin=MARGIN, height=height, hovermode="closest",
                      legend=dict(orientation="h", y=1.12, x=0))
    return fig
