import pytest

from accelkit import AccelkitError, ir, ir_path, onnx_path
from accelkit.harness.measure import measure
from accelkit.runtimes.ov import compile_model, ov_runner, runtime_layers


def test_dynamic_vs_static_conversion():
    assert ir.input_shapes(ir.convert_torch("digits_cnn", static=False)) == ["[?,?,?,?]"]
    assert ir.input_shapes(ir.convert_torch("digits_cnn", static=True)) == ["[1,1,32,32]"]
    assert ir.input_shapes(ir.convert_torch("tiny_encoder", static=True)) == ["[1,128]", "[1,128]"]


def test_xml_reading():
    xml = ir_path("resnet18_like")
    layers = ir.ir_layers(xml)
    assert layers["Convolution"] == 20 and "Const" not in layers and "Parameter" not in layers
    assert ir.weight_precisions(xml)["f32"] > 0 and "f16" not in ir.weight_precisions(xml)
    assert ir.weight_precisions(ir_path("resnet18_like", fp16_weights=True))["f16"] > 0
    assert "conversion_parameters" in ir.rt_info_keys(xml)
    assert ir.xml_excerpt(xml).startswith('<layer id=') and 'type="Convolution"' in ir.xml_excerpt(xml)
    with pytest.raises(AccelkitError, match="has no Softmax layer"):
        ir.xml_excerpt(xml, "Softmax")


def test_bad_xml(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<net><layers>")
    with pytest.raises(AccelkitError, match="not a readable OpenVINO IR"):
        ir.ir_layers(bad)


def test_ovc_and_no_torch(tmp_path):
    xml = ir.run_ovc(onnx_path("digits_cnn"), tmp_path / "d.xml")
    assert ir.weight_precisions(xml)["f16"] > 0                     # ovc compresses by default
    assert ir.infer_without_torch(xml) == "(1, 10)"
    with pytest.raises(AccelkitError, match="ovc could not convert"):
        ir.run_ovc(tmp_path / "missing.onnx", tmp_path / "x.xml")


def test_runtime_layers_report_precision_and_kernel():
    rows = runtime_layers(compile_model(ir_path("digits_cnn"), precision="f32"))
    convs = [r for r in rows if r["type"] == "Convolution"]
    assert convs and all(r["precision"] == "f32" and r["kernel"] for r in convs)
    assert not any(r["type"] in ("Const", "Input", "Output") for r in rows)


def test_model_cache_is_used(tmp_path):
    from functools import partial

    measure(partial(ov_runner, ir_path("digits_cnn"), cache_dir=tmp_path), iterations=10)
    assert any(tmp_path.iterdir())                                   # the compiled blob was saved


def test_compile_from_path_and_cache_modes(tmp_path):
    from accelkit.runtimes.ov import compile_config, exec_precision

    xml = ir_path("digits_cnn")
    compiled = compile_model(xml, cache_dir=tmp_path, cache_mode="optimize_size", from_path=True)
    assert tuple(compiled.outputs[0].get_shape()) == (1, 10) and any(tmp_path.iterdir())
    assert compile_config(cache_dir=tmp_path, cache_mode="optimize_size")["CACHE_MODE"] == "OPTIMIZE_SIZE"
    with pytest.raises(AccelkitError, match="cache_mode only matters with a model cache"):
        compile_config(cache_mode="optimize_size")
    with pytest.raises(AccelkitError, match="unknown execution mode"):
        compile_config(execution_mode="fast")
    with pytest.raises(AccelkitError, match="needs a model file path"):
        compile_model(compile_model(xml).get_runtime_model(), from_path=True)
    with pytest.raises(AccelkitError, match="no such model file"):
        compile_model(tmp_path / "missing.xml", from_path=True)
    # ACCURACY keeps the model's own precision on every CPU: f32 for an FP32 IR (even where bf16 is the default)
    assert exec_precision(compile_model(xml, execution_mode="accuracy")) == "f32"
