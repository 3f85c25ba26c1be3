import json

from accelkit.config import data_dir
from accelkit.tools.results_page import measurements_table, notebook_section, write_report

NB00 = data_dir().parent / "notebooks" / "00-setup-and-hardware.ipynb"


def test_report_from_a_stored_notebook(tmp_path):
    log = tmp_path / "00-setup-and-hardware.results.jsonl"
    log.write_text(json.dumps({"label": "onnxruntime CPU all", "model": "resnet18_like", "median_ms": 20.5,
                               "p99_ms": 23.0, "throughput_fps": 48.0, "exec_precision": "as stored"}) + "\n")
    copy = tmp_path / NB00.name
    copy.write_text(NB00.read_text())
    page = write_report([copy], tmp_path / "report.html").read_text()
    assert "results on your machine" in page and "What this implies" in page
    assert "onnxruntime CPU all" in page and "20.500" in page
    assert "Plotly.newPlot" in page or "plotly-graph-div" in page       # the stored chart, rendered offline
    assert "<h2>00 · Setup and your hardware</h2>" in page


def test_sections_skip_widgets_but_keep_text():
    section = notebook_section(NB00)
    assert "max relative error &lt; 1e-4: True" in section
    assert "widget-view" not in section


def test_empty_logs_make_an_empty_table(tmp_path):
    assert measurements_table([tmp_path / "none.results.jsonl"]).count("<tr>") == 1
