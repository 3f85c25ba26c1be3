"""How exactly the runtimes reproduce the torch model (notebooks 00 and 03): the harness's second
question, after how fast. Lives above the runtime adapters because it uses both of them."""
from __future__ import annotations

from ..models.files import example_inputs, ir_path, load_model, onnx_path
from ..runtimes.ort import make_session
from ..runtimes.ov import compile_model

__all__ = ["relative_errors"]


def relative_errors(name: str, *, fp16_weights: bool = False, ov_precision: str = "f32") -> dict[str, float]:
    """max |runtime - torch| / max |torch| for ONNX Runtime and OpenVINO on the example inputs:
    how exactly the exported files reproduce the torch model (notebooks 00 and 03, tests).
    ``fp16_weights`` uses the IR with FP16-compressed weights; ``ov_precision`` the execution precision."""
    import torch

    inputs = example_inputs(name)
    with torch.inference_mode():
        want = load_model(name)(*inputs).numpy()
    arrays = [t.numpy() for t in inputs]
    session = make_session(onnx_path(name))
    got_ort = session.run(None, dict(zip((i.name for i in session.get_inputs()), arrays)))[0]
    got_ov = compile_model(ir_path(name, fp16_weights=fp16_weights), precision=ov_precision)(arrays)[0]
    scale = float(abs(want).max())
    return {"onnxruntime": float(abs(got_ort - want).max()) / scale,
            f"openvino_{ov_precision}": float(abs(got_ov - want).max()) / scale}


