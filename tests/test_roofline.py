import math
import random

import pytest
from onnx import TensorProto, helper

from accelkit import AccelkitError, onnx_path
from accelkit.core.host import isa_features, parse_cpu_flags
from accelkit.harness.measure import measure
from accelkit.roofline import (
    Kernel,
    Roof,
    bytes_key,
    compute_roofs,
    count_flops,
    matmul_runner,
    measure_bandwidth,
    model_intensity,
    op_intensities,
    place,
    roof_key,
    roofline_chart,
)

AVX2_ONLY = isa_features(parse_cpu_flags("flags\t: sse4_2 avx avx2 fma"))
AVX512_VNNI_BF16 = isa_features(parse_cpu_flags("flags\t: avx2 fma avx512f avx512_vnni avx512_bf16"))
AMX = isa_features(parse_cpu_flags("flags\t: avx2 fma avx512f avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16"))
UNKNOWN = isa_features(set())


@pytest.fixture
def tiny(tmp_path):
    """Conv (x 1x3x8x8, weight 4x3x3x3 -> y 1x4x8x8) and Gemm (f 2x5, weight 5x7 -> h 2x7)."""
    conv = helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], name="conv")
    gemm = helper.make_node("Gemm", ["f", "g"], ["h"], name="gemm")
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
    return path


def test_resnet_flops_match_the_known_figure():
    # ResNet-18 at 224x224 is 1.81 G multiply-adds -> 3.63 GFLOP (the kit's model has the same layout)
    assert count_flops(onnx_path("resnet18_like")) == pytest.approx(3.628e9, rel=1e-3)


def test_flops_and_bytes_per_op_of_a_hand_built_graph(tiny):
    # conv: 2 * (1*4*8*8 outputs) * (3*3*3 per output); gemm: 2 * (2*7) * 5
    assert count_flops(tiny) == 2 * 256 * 27 + 2 * 14 * 5
    conv, gemm = op_intensities(tiny)
    # f32: activations in + out (192 + 256 elements) and weights (108), 4 bytes each
    assert (conv["op"], conv["flops"], conv["bytes"]) == ("conv", 13824, (192 + 256 + 108) * 4)
    assert (gemm["flops"], gemm["bytes"]) == (140, (10 + 14 + 35) * 4)
    assert conv["intensity"] == pytest.approx(13824 / 2224)
    int8 = op_intensities(tiny, "int8")[0]
    weights_only = op_intensities(tiny, "int8-weights")[0]
    assert int8["bytes"] == 192 + 256 + 108 and weights_only["bytes"] == (192 + 256) * 4 + 108
    whole = model_intensity(tiny)
    assert whole == {"flops": 13964, "bytes": 2460, "intensity": pytest.approx(13964 / 2460)}


def test_which_roof_and_which_bytes_a_row_is_held_to():
    assert [roof_key(p) for p in ("f32", "as stored", "bf16", "int8", "u8", "i8", "f32+dq")] == \
        ["f32", "f32", "bf16", "int8", "int8", "int8", "int8"]
    assert bytes_key({"precision": "int8-dynamic", "exec_precision": "int8"}) == "int8-dynamic"
    assert bytes_key({"precision": "int8-weights", "exec_precision": "f32"}) == "int8-weights"
    assert bytes_key({"precision": "bf16", "exec_precision": "bf16"}) == "bf16"


def test_bandwidth_returns_gbps_with_its_spread_quickly():
    bw = measure_bandwidth(size_mb=2, repeats=3)
    assert bw.gbps > 0 and bw.worst_gbps <= bw.median_gbps <= bw.gbps and bw.spread_pct >= 0
    assert bw.threads == 1 and bw.repeats >= 3 and "GB/s" in str(bw)
    two = measure_bandwidth(size_mb=2, repeats=3, threads=2)
    assert two.threads == 2 and two.gbps > 0
    read = measure_bandwidth(size_mb=2, repeats=3, mode="read")
    assert read.mode == "read" and "reads only" in read.kernel and "read, 1 array" in str(read)


def test_bandwidth_rejects_nonsense():
    with pytest.raises(AccelkitError, match="threads"):
        measure_bandwidth(threads=0)
    with pytest.raises(AccelkitError, match="mode is 'add'"):
        measure_bandwidth(mode="write")


def test_matmul_kernels_run_through_the_harness():
    result = measure(lambda: matmul_runner("torch", "f32", n=128), iterations=10)
    assert result.model == "matmul128" and result.exec_precision == "f32" and result.iterations == 10
    assert measure(lambda: matmul_runner("onnxruntime", "int8", n=64), iterations=10).runtime == "onnxruntime"
    ov_int8 = measure(lambda: matmul_runner("openvino", "int8", n=64), iterations=10)
    assert roof_key(ov_int8.exec_precision) == "int8"  # OpenVINO really ran its INT8 kernel


def _kernels(f32=100.0, int8=150.0, bf16=120.0):
    return [Kernel("torch", "f32", 64, f32, f32), Kernel("openvino", "f32", 64, f32 / 2, f32 / 2),
            Kernel("onnxruntime", "int8", 64, int8, int8), Kernel("openvino", "bf16", 64, bf16, bf16)]


def test_int8_and_bf16_roofs_follow_the_isa_not_one_kernel():
    by = lambda roofs: {r.precision: r.gflops for r in roofs}
    assert by(compute_roofs(_kernels(), AVX2_ONLY, bf16=False)) == {"f32": 100.0, "int8": 200.0}
    assert by(compute_roofs(_kernels(), AVX512_VNNI_BF16, bf16=True)) == {"f32": 100.0, "bf16": 200.0, "int8": 400.0}
    assert by(compute_roofs(_kernels(), AMX, bf16=True)) == {"f32": 100.0, "bf16": 1600.0, "int8": 3200.0}
    # a kernel faster than the ISA ratio says is the roof (the ratio was too low), and an unknown ISA uses the kernel
    assert by(compute_roofs(_kernels(int8=500.0), AVX2_ONLY, bf16=False))["int8"] == 500.0
    assert by(compute_roofs(_kernels(), UNKNOWN, bf16=False)) == {"f32": 100.0, "int8": 150.0}


def _rows(n=12, seed=0):
    rng = random.Random(seed)
    precisions = [("f32", "f32"), ("f32", "as stored"), ("int8", "int8"), ("int8-weights", "f32"), ("bf16", "bf16")]
    rows = []
    for i in range(n):
        precision, exec_precision = rng.choice(precisions)
        rows.append({"label": f"c{i}", "model": "m", "status": "ok", "precision": precision,
                     "exec_precision": exec_precision, "median_ms": rng.uniform(1e-4, 2e-3)})
    return rows + [{"label": "broken", "model": "m", "status": "not run: no GPU"}]


@pytest.mark.parametrize("seed", range(5))
def test_no_configuration_ever_sits_above_a_roof(tiny, seed):
    roofs = compute_roofs(_kernels(), AVX2_ONLY, bf16=False)          # no bf16 roof: bf16 rows held to f32's
    line = place(_rows(seed=seed), {"m": tiny}, roofs, bandwidth_gbps=1.0)
    assert len(line.points) == 12
    for p in line.points:
        roof = line.roof(p["roof"])
        assert p["achieved_gflops"] <= p["attainable_gflops"] * (1 + 1e-9)
        assert p["attainable_gflops"] == pytest.approx(min(roof, p["intensity"] * line.bandwidth_gbps))
        assert p["bound"] in ("compute", "memory") and p["pct_of_attainable"] <= 100 + 1e-6
    assert line.notes  # these fast rows beat the low roofs: every raise is said
    # the int8 roof keeps its ISA ratio to a raised f32 roof
    assert line.roof("int8") >= 2 * line.roof("f32") * (1 - 1e-9)


def test_a_config_under_the_roofs_leaves_them_alone(tiny):
    roofs = [Roof("f32", 1e6, "test"), Roof("int8", 4e6, "test", 4)]
    line = place([{"label": "a", "model": "m", "precision": "f32", "exec_precision": "f32", "median_ms": 1.0}],
                 {"m": tiny}, roofs, bandwidth_gbps=1e6)
    assert not line.notes and line.roofs == roofs
    assert line.points[0]["bound"] == "compute" and line.ridge("f32") == pytest.approx(1.0)


def test_chart_is_log_log_with_roofs_ridges_and_points(tiny):
    line = place(_rows(seed=1), {"m": tiny}, compute_roofs(_kernels(), AVX512_VNNI_BF16, bf16=True), 1.0)
    fig = roofline_chart(line, {"m": op_intensities(tiny)})
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    names = [t.name for t in fig.data]
    assert sum(1 for n in names if n and " roof " in n) == 3 and "m" in names
    assert all(math.isfinite(y) for t in fig.data for y in t.y)
