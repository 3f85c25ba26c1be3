"""Layer 3: how fast (``measure``, benchmark_app's method), how sure (``compare``, interleaved
pairs on a noisy machine) and how exactly (``relative_errors``)."""
