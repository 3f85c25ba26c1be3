"""OpenVINO IR: converting models, what an .xml/.bin pair holds, and the ``ovc`` tool
(notebook 03). Uses ``ov.convert_model`` / ``ov.save_model`` / ``ovc`` - the Model Optimizer
(``mo``) and ``openvino.runtime`` are gone.
"""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AccelkitError

if TYPE_CHECKING:
    import openvino as ov

__all__ = ["convert_torch", "input_shapes", "run_ovc", "read_ir_xml", "ir_layers", "weight_precisions",
           "rt_info_keys", "xml_excerpt", "infer_without_torch"]

OVC_LAUNCH = "import sys; from openvino.tools.ovc.main import main; sys.exit(main())"
IO_AND_CONSTANTS = ("Parameter", "Result", "Const", "Constant")


def convert_torch(name: str, *, static: bool) -> ov.Model:
    """``ov.convert_model`` straight from the kit's torch module. ``static=False`` passes
    ``example_input`` (shapes stay dynamic: '?' dims); ``static=True`` also passes ``input``
    with the example's shapes, fixing them."""
    import openvino as ov

    from .models.files import example_inputs, load_model

    inputs = example_inputs(name)
    example = inputs[0] if len(inputs) == 1 else inputs
    if static:
        return ov.convert_model(load_model(name), example_input=example, input=[tuple(t.shape) for t in inputs])
    return ov.convert_model(load_model(name), example_input=example)


def input_shapes(model: ov.Model) -> list[str]:
    """Each input's partial shape as text, e.g. '[?,3,?,?]' or '[1,3,224,224]'."""
    return [str(inp.get_partial_shape()) for inp in model.inputs]


def run_ovc(onnx: str | Path, out_xml: str | Path, *, fp16: bool = True, timeout_s: float = 300) -> Path:
    """The ``ovc`` command-line converter (the successor of Model Optimizer's ``mo``)."""
    out_xml = Path(out_xml)
    args = [str(onnx), "--output_model", str(out_xml)]
    if not fp16:
        args += ["--compress_to_fp16=False"]
    done = subprocess.run([sys.executable, "-c", OVC_LAUNCH, *args], capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0 or not out_xml.exists():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-3:])
        raise AccelkitError(f"ovc could not convert {onnx}:\n{tail}")
    return out_xml


def read_ir_xml(xml: str | Path) -> ET.Element:
    try:
        return ET.parse(str(xml)).getroot()
    except (OSError, ET.ParseError) as exc:
        raise AccelkitError(f"{xml} is not a readable OpenVINO IR .xml ({type(exc).__name__}).") from None


def ir_layers(xml: str | Path) -> Counter:
    """Layer types in an IR .xml (compute layers only: no Parameter/Result/Const)."""
    root = read_ir_xml(xml)
    return Counter(layer.get("type") for layer in root.iter("layer") if layer.get("type") not in IO_AND_CONSTANTS)


def weight_precisions(xml: str | Path) -> Counter:
    """Element types of the constants (weights) stored in the .bin, counted by the .xml."""
    root = read_ir_xml(xml)
    return Counter(data.get("element_type") for layer in root.iter("layer")
                   if layer.get("type") == "Const" and (data := layer.find("data")) is not None)


def rt_info_keys(xml: str | Path) -> list[str]:
    """The top-level <rt_info> entries: how the model was converted (tool, versions, options)."""
    root = read_ir_xml(xml)
    info = root.find("rt_info")
    return [child.tag for child in info] if info is not None else []


def xml_excerpt(xml: str | Path, layer_type: str = "Convolution") -> str:
    """The first layer of ``layer_type`` as it appears in the .xml (ids and sizes included)."""
    root = read_ir_xml(xml)
    for layer in root.iter("layer"):
        if layer.get("type") == layer_type:
            ET.indent(layer)
            return ET.tostring(layer, encoding="unicode").strip()
    raise AccelkitError(f"{xml} has no {layer_type} layer; it has: {', '.join(sorted(ir_layers(xml)))}.")


NO_TORCH = """
import sys
sys.modules["torch"] = None          # any attempt to import torch now fails
import numpy as np, openvino as ov
compiled = ov.Core().compile_model(sys.argv[1], "CPU")
x = np.zeros(list(compiled.inputs[0].get_shape()), dtype=np.float32)
print(tuple(compiled(x)[0].shape))
"""


def infer_without_torch(xml: str | Path) -> str:
    """Run the IR in a fresh process where importing torch is impossible; returns the output
    shape it produced (proof that deployment needs no training framework)."""
    done = subprocess.run([sys.executable, "-c", NO_TORCH, str(xml)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise AccelkitError(f"inference without torch failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return done.stdout.strip()
