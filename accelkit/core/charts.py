"""plotly figures for the harness's results (notebook 00 onwards).

Renders through plotly's mime type, which JupyterLab shows natively and which needs no
JavaScript from the network (the kit runs offline).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["use_offline_renderer", "figure_title", "results_chart"]


def use_offline_renderer() -> None:
    """Make plotly emit its JSON mime bundle only (no CDN script, no 3 MB inline library)."""
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype"


def figure_title(title: str, host: str | None = None, detail: str = "") -> str:
    """A chart title with the machine it was measured on beneath it (numbers vary by machine)."""
    if host is None:
        from .host import host_line

        host = host_line()
    return f"{title}<br><sup>{host}{detail} — numbers vary by machine</sup>"


# results are BenchResults; typed loosely because the harness is a layer above this one.
def results_chart(results: Iterable[Any], title: str = "Latency and throughput") -> go.Figure:
    """Median latency bars (whiskers up to p90, a mark at p99) beside throughput bars."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    use_offline_renderer()
    results = list(results)
    labels = [r.label for r in results]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("latency, ms (median; whisker p90; ◆ p99)",
                                                        "throughput, FPS"))
    fig.add_trace(go.Bar(x=labels, y=[r.median_ms for r in results], name="median",
                         error_y=dict(type="data", symmetric=False, array=[r.p90_ms - r.median_ms for r in results],
                                      arrayminus=[0] * len(results))), row=1, col=1)
    fig.add_trace(go.Scatter(x=labels, y=[r.p99_ms for r in results], mode="markers", name="p99",
                             marker=dict(symbol="diamond", size=9)), row=1, col=1)
    fig.add_trace(go.Bar(x=labels, y=[r.throughput_fps for r in results], name="throughput"), row=1, col=2)
    host = results[0].host if results else ""
    fig.update_layout(title=figure_title(title, host), showlegend=False,
                      height=420, margin=dict(t=90))
    return fig
