"""``build/report.html``: the kit's "results on your machine" page (written by ``make run``).

One self-contained file (plotly's JavaScript is inlined: it opens offline): the hardware
report, every measurement the notebooks made, and each notebook's headings, tables, charts and
claim checks, then the learner's quiz and exercise progress.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

PLOTLY_MIME = "application/vnd.plotly.v1+json"
SKIP_MIMES = ("application/vnd.jupyter.widget-view+json",)


def _output_html(output: dict) -> str:
    """One cell output as HTML: plotly figure, HTML table, or preformatted text."""
    import plotly.io as pio

    kind = output.get("output_type")
    if kind == "error":
        return (f"<p style='color:#b00'><b>This cell failed:</b> {html.escape(output.get('ename', ''))}: "
                f"{html.escape(output.get('evalue', ''))}</p>")
    if kind == "stream":
        return f"<pre>{html.escape(''.join(output.get('text', '')))}</pre>"
    if kind not in ("execute_result", "display_data"):
        return ""
    data = output.get("data", {})
    if any(m in data for m in SKIP_MIMES):  # interactive widgets (quizzes) have no static form worth showing
        return ""
    if PLOTLY_MIME in data:
        figure = pio.from_json(json.dumps(data[PLOTLY_MIME]))
        return figure.to_html(full_html=False, include_plotlyjs=False)
    if "text/html" in data:
        return "".join(data["text/html"])
    if "text/plain" in data:
        return f"<pre>{html.escape(''.join(data['text/plain']))}</pre>"
    return ""


def _heading(source: str) -> str:
    """The H1/H2 lines of a markdown cell, as HTML headings."""
    out = []
    for line in source.splitlines():
        if line.startswith("# "):
            out.append(f"<h2>{html.escape(line[2:])}</h2>")
        elif line.startswith("## "):
            out.append(f"<h3>{html.escape(line[3:])}</h3>")
    return "".join(out)


def notebook_section(path: Path) -> str:
    """Headings and outputs of one executed notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(_heading(cell.source))
        elif cell.cell_type == "code":
            parts += [_output_html(o) for o in cell.get("outputs", [])]
    return f"<section>{''.join(p for p in parts if p)}</section>"


def measurements_table(logs: list[Path]) -> str:
    rows = []
    for log in logs:
        for line in log.read_text().splitlines() if log.exists() else []:
            r = json.loads(line)
            rows.append(f"<tr><td>{html.escape(log.name.split('.')[0])}</td><td>{html.escape(r['label'])}</td>"
                        f"<td>{html.escape(r['model'])}</td><td>{r['median_ms']:.3f}</td><td>{r['p99_ms']:.3f}</td>"
                        f"<td>{r['throughput_fps']:.1f}</td><td>{html.escape(str(r['exec_precision']))}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("notebook", "configuration", "model", "median ms", "p99 ms", "FPS",
                                               "ran in"))
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def write_report(executed: list[Path], out: Path) -> Path:
    """Write the report for the executed notebooks in ``executed`` to ``out``."""
    from plotly.offline import get_plotlyjs

    from ..hardware import report
    from ..learn.progress import table

    progress_rows = "".join(f"<tr><td>{html.escape(str(r['what']))}</td><td>{html.escape(str(r['answered']))}</td>"
                            f"<td>{html.escape(str(r['correct']))}</td></tr>" for r in table())
    logs = [p.with_name(f"{p.stem}.results.jsonl") for p in executed]
    body = (f"<h1>accelkit: results on your machine</h1>{report()._repr_html_()}"
            f"<h2>Every measurement</h2>{measurements_table(logs)}"
            + "".join(notebook_section(p) for p in executed)
            + f"<h2>Your progress</h2><table>{progress_rows or '<tr><td>nothing yet</td></tr>'}</table>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;margin:8px 0}"
             "td,th{border:1px solid #ccc;padding:2px 6px;font-size:0.9em}pre{background:#f6f6f6;padding:6px;"
             "white-space:pre-wrap}")
    out.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>accelkit report</title>"
                   f"<style>{style}</style><script>{get_plotlyjs()}</script></head><body>{body}</body></html>",
                   encoding="utf-8")
    return out
