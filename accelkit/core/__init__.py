"""Layer 0: what every other layer stands on. Nothing here imports a runtime, torch or pandas at
module level: the host's description, the build cache, silencing, progress bars, the YAML banks
and chart defaults."""
