"""ONNX Runtime execution providers (EPs), taught in notebook 01.

- which EPs exist, which wheel ships each and what it needs (``data/providers.yaml``), joined
  with what this ONNX Runtime build knows and can use (``provider_table``);
- sessions that fail loudly instead of falling back to the CPU in silence (``strict_session``);
- which EP the partitioner gave each node (``assignment_table``) and which EP ran each kernel,
  read from ORT's profiling JSON (``profile_events`` -> ``node_table`` -> ``op_time_chart``);
- CPU session options that matter (threads, spinning, memory arena) as a harness builder
  (``cpu_runner``), and the OpenVINO EP's current provider options (``openvino_options``).
"""
from __future__ import annotations

import json
import re
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AccelkitError, choice, first_line
from .runtimes.ort import OrtRunner, ProviderInfo, load_catalogue
from .runtimes.runner import Runner, RunnerSettings

if TYPE_CHECKING:
    import onnxruntime as ort
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["Providers", "provider_table", "provider_names", "active_providers", "missing_providers",
           "strict_session", "check_provider_options", "assignment_table", "profile_events", "node_events",
           "node_table", "op_time_chart", "ChainRunner", "cpu_runner", "OPENVINO_PRECISIONS", "openvino_options"]

CPU_EP = "CPUExecutionProvider"
Providers = Sequence[str | tuple[str, dict[str, Any]]]  # names, or (name, provider options) pairs


def provider_table(catalogue: list[ProviderInfo] | None = None) -> pd.DataFrame:
    """The catalogue joined with this build: ``in_this_build`` (``get_all_providers``) and
    ``available_here`` (``get_available_providers``); EPs the build knows but the catalogue
    lacks are listed too, with their other columns empty."""
    import onnxruntime as ort
    import pandas as pd

    catalogue = catalogue if catalogue is not None else load_catalogue()
    known, available = set(ort.get_all_providers()), set(ort.get_available_providers())
    rows = [{"provider": p.name, "wheel": p.wheel, "kind": p.kind, "needs": p.needs} for p in catalogue]
    listed = {p.name for p in catalogue}
    rows += [{"provider": n, "wheel": "", "kind": "", "needs": ""} for n in sorted(known - listed)]
    table = pd.DataFrame(rows)
    table["in_this_build"] = table["provider"].isin(known)
    table["available_here"] = table["provider"].isin(available)
    return table


def provider_names(providers: Providers) -> list[str]:
    """The EP names of a providers list whose items are names or (name, options) pairs."""
    return [p[0] if isinstance(p, (tuple, list)) else str(p) for p in providers]


def active_providers(session: ort.InferenceSession) -> list[str]:
    """The EPs a session really registered, in priority order (ORT always keeps the CPU EP last)."""
    return list(session.get_providers())


def missing_providers(session: ort.InferenceSession, requested: Providers) -> list[str]:
    """Requested EPs that the session does not have: what ORT dropped while falling back."""
    active = set(active_providers(session))
    return [name for name in provider_names(requested) if name not in active]


def strict_session(path: str | Path, providers: Providers, *, opt_level: str = "all", threads: int | None = None,
                   spinning: bool = True, **options: Any) -> ort.InferenceSession:
    """An InferenceSession that uses every requested EP, or one AccelkitError naming what is available.

    ORT itself only warns when a requested EP is not in this build and carries on with the
    CPU EP; an EP that is in the build but cannot start (no driver, missing CUDA libraries) is
    dropped with a log line. Both are caught here: before creating the session (not available)
    and after it (``get_providers()`` lacks a requested EP)."""
    import onnxruntime as ort

    from .runtimes.ort import absent_reason, add_plugin_devices, available_providers, session_options

    available = available_providers()
    absent = [name for name in provider_names(providers) if name not in available]
    if absent:
        reasons = {name: absent_reason(name) for name in absent}  # 'it comes with <wheel>', or why a plugin is not usable
        where = "; ".join(f"{n} {r[3:]}" if r.startswith("it comes") else f"{n}: {r}" for n, r in reasons.items())
        raise AccelkitError(f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not available in this "
                            f"ONNX Runtime ({where}); available: {', '.join(available)}.")
    so = session_options(opt_level=opt_level, threads=threads, spinning=spinning, **options)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            named = add_plugin_devices(so, list(providers))
            session = (ort.InferenceSession(str(path), so, providers=named) if len(named) == len(providers)
                       else ort.InferenceSession(str(path), so))
    except Exception as exc:  # a bad option value, an EP that fails to initialise, a broken file
        raise AccelkitError(f"ONNX Runtime could not create a session for {Path(path).name} with "
                            f"{', '.join(provider_names(providers))} ({first_line(exc)}).") from None
    dropped = missing_providers(session, providers)
    if dropped:
        raise AccelkitError(f"ONNX Runtime dropped {', '.join(dropped)} while creating the session (it could not "
                            f"start it here) and would have run on {', '.join(active_providers(session))}.")
    check_provider_options(session, providers)
    return session


CPU_EP_OPTIONS = {"use_arena"}  # the CPU EP echoes none of its options, so its few are listed here


def check_provider_options(session: ort.InferenceSession, providers: Providers) -> None:
    """ORT silently ignores provider options it does not know; raise instead, naming the valid
    ones (each EP but the CPU's echoes every option it accepted in ``get_provider_options``)."""
    echoed = session.get_provider_options()
    for entry in providers:
        if not isinstance(entry, (tuple, list)) or len(entry) < 2:
            continue
        name, requested = entry[0], entry[1]
        valid = CPU_EP_OPTIONS if name == CPU_EP else set(echoed.get(name, {}))
        unknown = sorted(set(requested) - valid)
        if unknown:
            raise AccelkitError(f"{name} has no option {', '.join(map(repr, unknown))} (ONNX Runtime would ignore it "
                                f"silently); its options: {', '.join(sorted(valid)) or 'none'}.")


def assignment_table(path: str | Path, providers: Providers = (CPU_EP,)) -> pd.DataFrame:
    """Which EP the partitioner gave each node (one row per node; ``subgraph`` numbers the
    pieces each EP claimed). Uses the session config ``session.record_ep_graph_assignment_info``
    (ORT >= 1.23); the nodes are the graph at partitioning time, before EP-specific fusions."""
    import onnxruntime as ort
    import pandas as pd

    from .runtimes.ort import session_options

    so = session_options()
    so.add_session_config_entry("session.record_ep_graph_assignment_info", "1")
    session = ort.InferenceSession(str(path), so, providers=list(providers))
    rows = [{"subgraph": i, "provider": sub.ep_name, "node": node.name, "op": node.op_type}
            for i, sub in enumerate(session.get_provider_graph_assignment_info()) for node in sub.get_nodes()]
    return pd.DataFrame(rows, columns=["subgraph", "provider", "node", "op"])


def profile_events(path: str | Path, *, device: str = "CPU", runs: int = 5, **options: Any) -> list[dict[str, Any]]:
    """Run the model ``runs`` times with ORT's profiler on and return the profile's events (the
    parsed JSON list). ``options`` go to ``accelkit.runtimes.ort.session_options`` (opt_level, threads...)."""
    from .runtimes.ort import make_session, random_feed

    with tempfile.TemporaryDirectory() as tmp:
        session = make_session(path, device=device, profile_prefix=str(Path(tmp) / "profile"), **options)
        feed = random_feed(session)
        for _ in range(runs):
            session.run(None, feed)
        return json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))


def node_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-kernel events of a profile: category 'Node', name '<node>_kernel_time' (older
    ORT versions add '_fence_before'/'_fence_after' events, which are skipped)."""
    return [e for e in events if e.get("cat") == "Node" and str(e.get("name", "")).endswith("_kernel_time")]


def node_table(events: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per executed node: node, op, provider, calls, total_us and mean_us (a pure
    function of the profile; the first run's warm-up is included in the totals)."""
    import pandas as pd

    rows = [{"node": e["name"][: -len("_kernel_time")], "op": e.get("args", {}).get("op_name", "?"),
             "provider": e.get("args", {}).get("provider", "?"), "dur_us": float(e.get("dur", 0))}
            for e in node_events(events)]
    if not rows:
        return pd.DataFrame(columns=["node", "op", "provider", "calls", "total_us", "mean_us"])
    frame = pd.DataFrame(rows)
    table = (frame.groupby(["node", "op", "provider"], sort=False)["dur_us"]
             .agg(calls="count", total_us="sum").reset_index())
    table["mean_us"] = table["total_us"] / table["calls"]
    return table


def op_time_chart(table: pd.DataFrame, title: str = "Time per op type, by execution provider") -> go.Figure:
    """Stacked bars: total kernel time per op type, one colour per EP (from ``node_table``)."""
    import plotly.express as px

    from .core.charts import figure_title, use_offline_renderer

    use_offline_renderer()
    per_op = table.groupby(["op", "provider"], as_index=False)["total_us"].sum().sort_values("total_us", ascending=False)
    fig = px.bar(per_op, x="op", y="total_us", color="provider", labels={"total_us": "total kernel time, µs"})
    fig.update_layout(title=figure_title(title), height=420,
                      margin=dict(t=90))
    return fig


class ChainRunner:
    """Several runners called one after another per inference: a pipeline of models in one
    process (a detector, then a classifier), where one session's idle threads meet the next's."""

    def __init__(self, runners: Sequence[Runner]) -> None:
        self.runners = runners
        self.settings: RunnerSettings = {**runners[0].settings, "sessions": len(runners)}

    def infer(self) -> None:
        for runner in self.runners:
            runner.infer()

    def close(self) -> None:
        for runner in self.runners:
            runner.close()


def cpu_runner(path: str | Path, *, threads: int | None = None, spinning: bool = True, arena: bool = True,
               sessions: int = 1) -> OrtRunner | ChainRunner:
    """Harness builder for the CPU EP, as ``accelkit.runtimes.ort.ort_runner`` plus two switches:
    ``arena=False`` turns off the CPU memory arena (every intermediate tensor is a fresh
    allocation) and ``sessions=N`` runs N sessions of the model back to back per inference."""
    import onnxruntime as ort

    from .runtimes.ort import session_options

    if sessions < 1:
        raise AccelkitError(f"sessions must be 1 or more, not {sessions}.")
    runners = []
    for _ in range(sessions):
        so = session_options(threads=threads, spinning=spinning)
        so.enable_cpu_mem_arena = arena
        session = ort.InferenceSession(str(path), so, providers=[CPU_EP])
        runner = OrtRunner(session, model_name=Path(path).stem, device="CPU", opt_level="all", threads=threads)
        runner.settings["spinning"], runner.settings["arena"] = spinning, arena
        runners.append(runner)
    return runners[0] if sessions == 1 else ChainRunner(runners)


OPENVINO_PRECISIONS = ("f32", "f16", "bf16")
_OLD_DEVICE = re.compile(r"^(CPU|GPU|NPU|MYRIAD|VAD-M|VAD-F)_(FP32|FP16)$", re.IGNORECASE)


def openvino_options(device: str = "CPU", *, precision: str | None = None, cache_dir: str | Path | None = None,
                     **properties: Any) -> dict[str, str]:
    """Provider options for the OpenVINO EP in their current form: ``device_type`` names only
    the device; precision, cache and other OpenVINO properties go in ``load_config`` (a JSON
    string keyed by device). The old combined form (``'CPU_FP32'``) and the ``precision`` /
    ``cache_dir`` / ``num_of_threads`` keys are deprecated (ORT 1.23)."""
    old = _OLD_DEVICE.match(device)
    if old:
        raise AccelkitError(f"device_type {device!r} is the old device_precision form the OpenVINO EP no longer "
                            f"accepts; use device_type='{old.group(1).upper()}' with precision="
                            f"'{'f32' if old.group(2).upper() == 'FP32' else 'f16'}' (sent in load_config).")
    if precision is not None:
        choice(precision, OPENVINO_PRECISIONS, "OpenVINO precision")
    config = {key: str(value) for key, value in properties.items()}
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    if cache_dir:
        config["CACHE_DIR"] = str(cache_dir)
    options = {"device_type": device}
    if config:
        options["load_config"] = json.dumps({device.split(":")[0]: config})
    return options
