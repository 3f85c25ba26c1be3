"""Checks for exercises/03-convert-and-inspect.ipynb (notebook 03's material)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..checking import CheckFailed, call, check, need

EXERCISE = "03-convert-and-inspect"

TINY_IR = """<?xml version="1.0"?>
<net name="tiny" version="11"><layers>
<layer id="0" name="x" type="Parameter" version="opset1"/>
<layer id="1" name="w" type="Const" version="opset1"/>
<layer id="2" name="c1" type="Convolution" version="opset1"/>
<layer id="3" name="r1" type="ReLU" version="opset1"/>
<layer id="4" name="c2" type="Convolution" version="opset1"/>
<layer id="5" name="y" type="Result" version="opset1"/>
</layers><edges/></net>"""


@check("static_digits has the static input shape [1,1,32,32]", points=3)
def static_ok(ns):
    model = need(ns, "static_digits")
    if not hasattr(model, "inputs"):
        raise CheckFailed(f"static_digits should be an ov.Model from ov.convert_model, not {type(model).__name__}.")
    shape = model.inputs[0].get_partial_shape()
    if shape.is_dynamic:
        raise CheckFailed(f"its input shape is {shape}: still dynamic. Pass input=[(1, 1, 32, 32)] as well.")
    if [d.get_length() for d in shape] != [1, 1, 32, 32]:
        raise CheckFailed(f"its input shape is {shape}; expected [1,1,32,32].")


@check("count_layers counts compute layers of an .xml", points=4)
def layers_ok(ns):
    fn = need(ns, "count_layers", is_callable=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiny.xml"
        path.write_text(TINY_IR)
        got = call(fn, path)
        if got != {"Convolution": 2, "ReLU": 1}:
            raise CheckFailed(f"for a small hand-written IR you returned {got}; expected {{'Convolution': 2, 'ReLU': 1}} "
                              "(leave out Parameter, Result and Const).")
        got = call(fn, str(path))
        if got != {"Convolution": 2, "ReLU": 1}:
            raise CheckFailed("count_layers should accept the path as a string too.")


@check("size_ratio counts .xml and .bin", points=3)
def ratio_ok(ns):
    fn = need(ns, "size_ratio", is_callable=True)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.xml", Path(tmp) / "b.xml"
        a.write_bytes(b"x" * 100)
        a.with_suffix(".bin").write_bytes(b"x" * 900)
        b.write_bytes(b"x" * 100)
        b.with_suffix(".bin").write_bytes(b"x" * 400)
        got = call(fn, a, b)
        if not isinstance(got, (int, float)) or abs(got - 0.5) > 1e-9:
            raise CheckFailed(f"for a pair of 1000 and 500 bytes in total you returned {got!r}; expected 0.5 "
                              "(b's .xml+.bin over a's .xml+.bin).")


CHECKS = [static_ok, layers_ok, ratio_ok]
