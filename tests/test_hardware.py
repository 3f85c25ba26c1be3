import os

from accelkit.core.host import count_physical_cores, host_isa, isa_features, parse_cpu_flags, parse_cpu_model
from accelkit.hardware import implications, report
from accelkit.runtimes.ov import precision_name

ZEN4 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9R14 96-Core Processor
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq avx512_bf16 avx512_vnni avx512vl

processor\t: 1
model name\t: AMD EPYC 9R14 96-Core Processor
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq avx512_bf16 avx512_vnni avx512vl
"""
SAPPHIRE_RAPIDS = "model name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: avx2 fma avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8\n"
ALDER_LAKE = "model name\t: 12th Gen Intel(R) Core(TM) i7-1260P\nflags\t\t: avx2 fma avx_vnni\n"
AVX2_ONLY = "model name\t: AMD EPYC\nflags\t\t: fpu avx avx2 fma f16c\n"
ARM = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes crc32\nCPU implementer\t: 0x41\n"


def test_zen4_flags():
    isa = isa_features(parse_cpu_flags(ZEN4))
    assert isa["AVX2"] and isa["AVX-512"] and isa["AVX512-VNNI"] and isa["AVX512-BF16"]
    assert not isa["AMX"] and not isa["AVX-VNNI"] and not isa["NEON"]
    assert parse_cpu_model(ZEN4) == "AMD EPYC 9R14 96-Core Processor"
    assert count_physical_cores(ZEN4) == 1  # two logical CPUs on one core (SMT)


def test_amx_and_avx_vnni():
    assert isa_features(parse_cpu_flags(SAPPHIRE_RAPIDS))["AMX"]
    alder = isa_features(parse_cpu_flags(ALDER_LAKE))
    assert alder["AVX-VNNI"] and not alder["AVX-512"] and not alder["AVX512-VNNI"]


def test_arm_features_and_missing_text():
    assert isa_features(parse_cpu_flags(ARM))["NEON"]
    assert parse_cpu_flags("") == set()
    assert count_physical_cores(AVX2_ONLY) is None


def test_unreadable_flags_are_unknown_not_absent():
    isa = isa_features(parse_cpu_flags(""))
    assert set(isa.values()) == {None}
    says = " ".join(implications(isa, "f32", ["CPUExecutionProvider"], ["CPU"]))
    assert "Could not read the CPU's feature flags" in says and "No VNNI" not in says


def test_implications_name_vnni_and_bf16():
    zen4 = implications(isa_features(parse_cpu_flags(ZEN4)), "bf16", ["CPUExecutionProvider"], ["CPU"])
    text = " ".join(zen4)
    assert "This CPU has VNNI" in text and "about 4x FP32" in text and "bf16 here unless told" in text
    assert "only its CPU provider" in text and "only the CPU" in text


def test_implications_without_vnni():
    says = " ".join(implications(isa_features(parse_cpu_flags(AVX2_ONLY)), "f32", ["CPUExecutionProvider",
                                 "CUDAExecutionProvider"], ["CPU", "GPU.0"]))
    assert "No VNNI here" in says and "true f32" in says
    # ORT's advice for U8S8 saturation on AVX2 (quantization docs): reduce_range or U8U8, never "use U8S8"
    assert "reduce_range=True" in says and "U8U8" in says and "about 2x over FP32" in says
    assert "CUDAExecutionProvider" in says and "AUTO and HETERO can choose" in says


def test_precision_names():
    assert precision_name("<Type: 'bfloat16'>") == "bf16"
    assert precision_name("<Type: 'float32'>") == "f32"
    assert precision_name("f16") == "f16"


def test_report_on_this_machine():
    rep = report()
    assert rep.logical_cores == os.cpu_count()            # read from this machine, not a default
    assert rep.physical_cores is None or 1 <= rep.physical_cores <= rep.logical_cores
    assert rep.isa == host_isa()
    assert "CPUExecutionProvider" in rep.ort_providers
    assert any(d.name == "CPU" for d in rep.ov_devices)
    assert rep.implications and "What this implies" in str(rep)
    assert "<table>" in rep._repr_html_() and "ORT providers" in str(rep)
