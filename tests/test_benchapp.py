import pytest

from accelkit import AccelkitError
from accelkit.benchapp import parse_output

SUB_MS = """[ INFO ] Compile model took 28.41 ms
[ INFO ] First inference took 2.11 ms
[ INFO ] Count:            8275 iterations
[ INFO ] Duration:         3000.21 ms
[ INFO ] Latency:
[ INFO ]    Median:        336.63 us
[ INFO ]    Average:       347.19 us
[ INFO ]    Min:           329.43 us
[ INFO ]    Max:           1959.87 us
[ INFO ] Throughput:   2758.14 FPS
"""


def test_parse_microseconds():
    r = parse_output(SUB_MS)
    assert r.median_ms == pytest.approx(0.33663) and r.max_ms == pytest.approx(1.95987)
    assert r.iterations == 8275 and r.throughput_fps == 2758.14
    assert r.compile_ms == 28.41 and r.first_infer_ms == 2.11


def test_parse_milliseconds():
    r = parse_output(SUB_MS.replace("336.63 us", "20.43 ms"))
    assert r.median_ms == 20.43


def test_unreadable_output_names_the_line():
    with pytest.raises(AccelkitError, match="Median"):
        parse_output(SUB_MS.replace("Median", "Middle"))
