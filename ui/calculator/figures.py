"""Plotly drawings of the calculator's convolution views; they draw, they do not compute.

`slide_figure` animates a core.calculator.slide.Slide (frames, play button, slider);
`feature_figure` shows core.calculator.feature_map.FeatureMaps side by side. Labels arrive
translated, as a dict of the texts each figure needs.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.calculator.slide import Slide
from core.calculator.feature_map import FeatureMaps

COLOURS = {  # one home for the animation's colours
    "pad": "#d1d5db", "input": "#dbeafe", "window": "#dc2626", "weight": "#b91c1c",
    "output": "Blues", "current": "#f59e0b",
}
FRAME_MS = 700  # per step: slow enough to follow one product sum


def _box(top: int, left: int, height: int, width: int) -> dict:
    """x, y of a closed rectangle around cells [top, top+height) x [left, left+width)."""
    x0, x1, y0, y1 = left - 0.5, left + width - 0.5, top - 0.5, top + height - 0.5
    return {"x": [x0, x1, x1, x0, x0], "y": [y0, y0, y1, y1, y0]}


def _weights(slide: Slide, top: int, left: int) -> dict:
    k = slide.kernel.shape[0]
    rows, cols = np.indices((k, k))
    return {"x": (cols + left + 0.28).ravel().tolist(), "y": (rows + top + 0.3).ravel().tolist()}


def _output_state(slide: Slide, upto: int) -> dict:
    """Output heatmap with cells 0..upto written, the rest empty."""
    z = np.full(slide.output.shape, np.nan)
    for frame in slide.frames[:upto + 1]:
        z[frame.out_row, frame.out_col] = frame.value
    text = [["" if np.isnan(v) else f"{int(v)}" for v in row] for row in z]
    return {"z": z.tolist(), "text": text}


def _frame_traces(slide: Slide, step: int) -> list[dict]:
    """What changes from step to step: window, its weights, output so far, current cell."""
    f = slide.frames[step]
    k = slide.kernel.shape[0]
    return [{"type": "scatter", **_box(f.top, f.left, k, k)},
            {"type": "scatter", **_weights(slide, f.top, f.left)},
            {"type": "heatmap", **_output_state(slide, step)},
            {"type": "scatter", **_box(f.out_row, f.out_col, 1, 1)}]


def _first_traces(slide: Slide) -> list:
    """The four changing traces at step 0, with their looks (frames only move them)."""
    window, weights, output, current = _frame_traces(slide, 0)
    for trace in (window, weights, output, current):
        trace.pop("type")
    return [
        go.Scatter(**window, mode="lines", hoverinfo="skip",
                   line={"color": COLOURS["window"], "width": 4}),
        go.Scatter(**weights, text=[f"×{w}" for w in slide.kernel.ravel()], mode="text",
                   hoverinfo="skip",
                   textfont={"size": 10, "color": COLOURS["weight"]}),
        go.Heatmap(**output, texttemplate="%{text}", xgap=2, ygap=2,
                   colorscale=COLOURS["output"], showscale=False,
                   zmin=int(slide.output.min()), zmax=int(slide.output.max()) + 1e-9,
                   hoverinfo="skip"),
        go.Scatter(**current, mode="lines", hoverinfo="skip",
                   line={"color": COLOURS["current"], "width": 4}),
    ]


def _axes(fig, size: int, col: int, labels: dict) -> None:
    fig.update_xaxes(title_text=labels["x"], range=[-0.5, size - 0.5], dtick=1,
                     showgrid=False, zeroline=False, constrain="domain", row=1, col=col)
    fig.update_yaxes(title_text=labels["y"], range=[size - 0.5, -0.5], dtick=1,
                     showgrid=False, zeroline=False, scaleanchor=f"x{col if col > 1 else ''}",
                     constrain="domain", row=1, col=col)


def slide_figure(slide: Slide, labels: dict) -> go.Figure:
    """Padded input on the left, output on the right; one animation frame per step.

    labels: input_title, output_title, x, y, play, pause, step, caption (a format
    string over row, col, value).
    """
    size, out = slide.padded.shape[0], slide.output.shape[0]
    fig = make_subplots(rows=1, cols=2, column_widths=[size, max(out, 3)],
                        subplot_titles=(labels["input_title"], labels["output_title"]),
                        horizontal_spacing=0.12)
    values = [[str(v) for v in row] for row in slide.padded]  # padding cells hold 0
    fig.add_trace(go.Heatmap(z=(~slide.is_pad).astype(int).tolist(), text=values,
                             texttemplate="%{text}", xgap=2, ygap=2, showscale=False,
                             colorscale=[[0, COLOURS["pad"]], [1, COLOURS["input"]]],
                             zmin=0, zmax=1, hoverinfo="skip"), row=1, col=1)
    for trace, col in zip(_first_traces(slide), (1, 1, 2, 2)):
        fig.add_trace(trace, row=1, col=col)
    fig.frames = [go.Frame(data=_frame_traces(slide, i), traces=[1, 2, 3, 4], name=str(i),
                           layout={"title": {"text": _caption(slide, i, labels)}})
                  for i in range(len(slide.frames))]
    _axes(fig, size, 1, labels)
    _axes(fig, out, 2, labels)
    play = {"frame": {"duration": FRAME_MS, "redraw": True}, "fromcurrent": True,
            "transition": {"duration": 0}}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    fig.update_layout(
        title={"text": _caption(slide, 0, labels)}, showlegend=False, height=520,
        margin={"t": 90, "b": 150, "l": 60, "r": 20},
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": -0.3,
                      "xanchor": "left", "yanchor": "top", "showactive": False, "buttons": [
                          {"label": labels["play"], "method": "animate", "args": [None, play]},
                          {"label": labels["pause"], "method": "animate",
                           "args": [[None], pause]}]}],
        sliders=[{"active": 0, "x": 0.22, "len": 0.78, "y": -0.24, "yanchor": "top",
                  "currentvalue": {"prefix": labels["step"] + " "},
                  "steps": [{"label": str(i + 1), "method": "animate",
                             "args": [[str(i)], {**pause, "frame": {"duration": 0,
                                                                    "redraw": True}}]}
                            for i in range(len(slide.frames))]}])
    return fig


def _caption(slide: Slide, step: int, labels: dict) -> str:
    f = slide.frames[step]
    return labels["caption"].format(step=step + 1, steps=len(slide.frames), row=f.out_row,
                                    col=f.out_col, value=f.value)


def feature_figure(image: np.ndarray, maps: FeatureMaps, labels: dict) -> go.Figure:
    """Input image, feature map and pooled map side by side, shapes in the titles.

    image: uint8 (H, W, 3); labels: input, feature, pooled (titles), x, y, value.
    """
    fig = make_subplots(rows=1, cols=3, subplot_titles=(
        labels["input"], labels["feature"], labels["pooled"]), horizontal_spacing=0.08)
    fig.add_trace(go.Image(z=image), row=1, col=1)
    limit = float(max(np.abs(maps.feature).max(), 1e-9))  # one colour scale for both maps
    for col, values in ((2, maps.feature), (3, maps.pooled)):
        fig.add_trace(go.Heatmap(z=values[..., 0], colorscale="RdBu", reversescale=True,
                                 zmid=0, zmin=-limit, zmax=limit, showscale=col == 3,
                                 colorbar={"title": {"text": labels["value"]}}),
                      row=1, col=col)
    for col in (1, 2, 3):
        fig.update_xaxes(title_text=labels["x"], row=1, col=col)
        fig.update_yaxes(title_text=labels["y"] if col == 1 else None, autorange="reversed",
                         scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
    fig.update_layout(height=360, margin={"t": 50, "b": 40, "l": 50, "r": 20})
    return fig
