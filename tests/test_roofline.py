import pytest
from onnx import TensorProto, helper

from accelkit import onnx_path
from accelkit.bench import measure
from accelkit.roofline import achieved_rows, count_flops, matmul_runner, Roof


def test_resnet_flops_match_the_known_figure():
    # ResNet-18 at 224x224 is 1.81 G multiply-adds -> 3.63 GFLOP (the kit's model has the same layout)
    assert count_flops(onnx_path("resnet18_like")) == pytest.approx(3.628e9, rel=1e-3)


def test_flops_of_small_hand_built_graphs(tmp_path):
    conv = helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])
    gemm = helper.make_node("Gemm", ["f", "g"], ["h"])
    graph = helper.make_graph(
        [conv, gemm], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8]),
         helper.make_tensor_value_info("f", TensorProto.FLOAT, [2, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8]),
         helper.make_tensor_value_info("h", TensorProto.FLOAT, [2, 7])],
        initializer=[helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], [0.0] * 108),
                     helper.make_tensor("g", TensorProto.FLOAT, [5, 7], [0.0] * 35)])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    # conv: 2 * (1*4*8*8 outputs) * (3*3*3 per output) ; gemm: 2 * (2*7) * 5
    assert count_flops(path) == 2 * 256 * 27 + 2 * 14 * 5


def test_matmul_roof_runs_through_the_harness():
    result = measure(lambda: matmul_runner("f32", n=128), iterations=10)
    assert result.model == "matmul128" and result.exec_precision == "f32" and result.iterations == 10
    assert measure(lambda: matmul_runner("int8", n=64), iterations=10).runtime == "onnxruntime"


def test_achieved_and_percent_of_roof():
    class R:
        label, model, exec_precision, median_ms = "x", "m", "f32", 10.0

    rows = achieved_rows([R()], {"m": 2e9}, [Roof("f32", 400.0, 1.0)])
    assert rows[0]["achieved_gflops"] == pytest.approx(200.0) and rows[0]["pct_of_roof"] == pytest.approx(50.0)
