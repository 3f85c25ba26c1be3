"""Exercise 01-find-cpu-fallback: the hidden checks reward a right answer and every plausible wrong one loses points,
with a message that says what is wrong. No session is created: "your own profile" is a CPU-only profile built here.

The whole-notebook grading of the solution and of the untouched exercise is test_grade's parametrized test.
"""
import copy
import math
from types import SimpleNamespace

import pytest
from graded import graded

from accelkit.learn.exercises.build import build_exercise, repo_dir
from accelkit.learn.exercises.checks import ex01_providers as ex

EXERCISE = "01-find-cpu-fallback"
FULL = 14
SUFFIX = "_kernel_time"


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def kernel_events(events):
    return [e for e in events if e.get("cat") == "Node" and e["name"].endswith(SUFFIX)]


def node(e):
    return e["name"].removesuffix(SUFFIX)


def nodes_by_provider(events):
    out = {}
    for e in kernel_events(events):
        out.setdefault(e["args"]["provider"], set()).add(node(e))
    return {p: sorted(names) for p, names in out.items()}


def fallback_nodes(events, accelerator="CUDAExecutionProvider"):
    return sorted({node(e) for e in kernel_events(events) if e["args"]["provider"] != accelerator})


def copy_nodes(events):
    return sorted({node(e) for e in kernel_events(events) if e["args"]["op_name"].startswith("Memcpy")})


def active_providers(session):
    return session.get_providers()


def split_time(events, accelerator):
    on = sum(e["dur"] for e in kernel_events(events) if e["args"]["provider"] == accelerator)
    return on, sum(e["dur"] for e in kernel_events(events)) - on


def fallback_share(events, accelerator="CUDAExecutionProvider"):
    on, off = split_time(events, accelerator)
    return off / (on + off) if on + off else 0.0


def best_speedup(share, factor):
    return 1 / (share + (1 - share) / factor)


def bigger_win(events, accelerator, factor):
    on, off = split_time(events, accelerator)
    if factor == 1 or on == off:
        return "either"
    return "accelerator" if on > off else "fallback"


NAMES = {"kernel_events", "nodes_by_provider", "fallback_nodes", "copy_nodes", "active_providers", "fallback_share",
         "best_speedup", "bigger_win"}
R = SimpleNamespace(**{name: globals()[name] for name in NAMES})   # the right functions, for wrong ones to reuse
MY_EVENTS = ex._profile([("/conv1/Conv", "Conv", ex.CPU, 120), ("/relu/Relu", "Relu", ex.CPU, 8),
                         ("/fc/Gemm", "Gemm", ex.CPU, 30)], 3)


def right_answers() -> dict:
    ns = {name: globals()[name] for name in NAMES}
    ns["my_events"] = copy.deepcopy(MY_EVENTS)
    ns["my_fallback"] = fallback_nodes(ns["my_events"])
    return ns


_graded = graded(EXERCISE)
results, lost, named = _graded.results, _graded.lost, _graded.named


BY_EP, FALLBACK, COPIES, ACTIVE, OWN = (named("nodes_by_provider"), named("fallback_nodes"), named("copy_nodes"),
                                        named("active_providers"), named("my_fallback"))
SHARE, SPEEDUP, WIN = named("fallback_share"), named("best_speedup"), named("bigger_win")


def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


def test_correct_alternatives_pass():
    ns = right_answers()
    strip = lambda e: e["name"].replace(SUFFIX, "")  # noqa: E731  (no node name holds the suffix twice)
    ns["nodes_by_provider"] = lambda events: {p: sorted({strip(e) for e in kernel_events(events)
                                                         if e["args"]["provider"] == p})
                                              for p in dict.fromkeys(e["args"]["provider"] for e in kernel_events(events))}
    ns["fallback_share"] = lambda events, accelerator="CUDAExecutionProvider": (
        1 - split_time(events, accelerator)[0] / sum(split_time(events, accelerator)) if kernel_events(events) else 0.0)
    ns["best_speedup"] = lambda share, factor: 1 / (share + (1 - share) * (0.0 if math.isinf(factor) else 1 / factor))
    ns["bigger_win"] = lambda events, accelerator, factor: (
        lambda on, off: "either" if on * (factor - 1) == off * (factor - 1) else
        ("accelerator" if on > off else "fallback"))(*split_time(events, accelerator))
    assert lost(ns) == {}


def test_the_hidden_profiles_hold_the_traps():
    """A CPU node with '_kernel' inside its name, fence events with a duration, and a tie for bigger_win."""
    cuda = ex.PROFILES["a CUDA profile"][0]
    assert "conv_kernel_shape" in ex.want_fallback(cuda, ex.CUDA)
    fences = ex.SHARE_PROFILES["an OpenVINO + CPU EP profile with fences"][0]
    assert sum(e["dur"] for e in fences if "fence" in e["name"]) > 0
    on, off = ex.kernel_time(ex.WIN_PROFILES["a profile with equal parts"][0], ex.OV)
    assert on == off > 0


def test_untouched_exercise_scores_zero_with_a_sentence_per_check():
    exercise = build_exercise(repo_dir() / "solutions" / f"{EXERCISE}.ipynb")
    ns: dict = {}
    for source in (c.source for c in exercise.cells if c.cell_type == "code"):
        if "check_exercise" in source:
            continue
        try:
            exec(source, ns)
        except (NotImplementedError, NameError):   # a placeholder, or a later line needing what it did not define
            pass
    got = results(ns)
    assert sum(r.earned for r in got.values()) == 0
    for r in got.values():
        assert r.message.startswith("`") and ("not written yet" in r.message or "is not defined" in r.message), r
        assert "\n" not in r.message and len(r.message) > 20


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def by_provider_naming(name_of):
    def nodes(events, keep=kernel_events):
        out = {}
        for e in keep(events):
            out.setdefault(e["args"]["provider"], set()).add(name_of(e["name"]))
        return {p: sorted(names) for p, names in out.items()}
    return nodes


def fallback_naming(name_of):
    return lambda events, accelerator="CUDAExecutionProvider": sorted(
        {name_of(e["name"]) for e in kernel_events(events) if e["args"]["provider"] != accelerator})


def first_run_only(events, accelerator="CUDAExecutionProvider"):
    seen, kept = set(), []
    for e in kernel_events(events):
        if e["name"] not in seen:
            seen.add(e["name"])
            kept.append(e)
    return R.fallback_share(kept, accelerator)


def share_of_model_run(events, accelerator="CUDAExecutionProvider"):
    run = sum(e["dur"] for e in events if e.get("name") == "model_run")
    return sum(e["dur"] for e in kernel_events(events) if e["args"]["provider"] != accelerator) / run if run else 0.0


def share_by_count(events, accelerator="CUDAExecutionProvider"):
    nodes = {e["name"]: e["args"]["provider"] for e in kernel_events(events)}
    return sum(p != accelerator for p in nodes.values()) / len(nodes) if nodes else 0.0


def share_with_fences(events, accelerator="CUDAExecutionProvider"):
    node_events = [e for e in events if e.get("cat") == "Node"]
    total = sum(e["dur"] for e in node_events)
    return sum(e["dur"] for e in node_events if e["args"]["provider"] != accelerator) / total if total else 0.0


def share_no_guard(events, accelerator="CUDAExecutionProvider"):
    on, off = split_time(events, accelerator)
    return off / (on + off)


WRONG = [  # (what, replaced names, checks that must lose points)
    ("name.rstrip('_kernel_time')", {"nodes_by_provider": by_provider_naming(lambda n: n.rstrip(SUFFIX)),
                                     "fallback_nodes": fallback_naming(lambda n: n.rstrip(SUFFIX))}, {BY_EP, FALLBACK}),
    ("name.split('_kernel')[0]", {"nodes_by_provider": by_provider_naming(lambda n: n.split("_kernel")[0]),
                                  "fallback_nodes": fallback_naming(lambda n: n.split("_kernel")[0])}, {BY_EP, FALLBACK}),
    ("name[:-12] without checking the suffix", {"nodes_by_provider": lambda events: by_provider_naming(lambda n: n[:-12])(
        events, keep=lambda evs: [e for e in evs if e.get("cat") == "Node"])}, {BY_EP}),
    ("fence events counted as nodes", {"fallback_nodes": lambda events, accelerator="CUDAExecutionProvider": sorted(
        {e["name"].split(SUFFIX)[0] for e in events
         if e.get("cat") == "Node" and e["args"]["provider"] != accelerator})}, {FALLBACK}),
    ("no dedup across runs", {"nodes_by_provider": lambda events: {p: sorted(node(e) for e in kernel_events(events)
                                                                             if e["args"]["provider"] == p)
                                                                   for p in R.nodes_by_provider(events)}}, {BY_EP}),
    ("fallback means 'ran on the CPU EP'", {"fallback_nodes": lambda events, accelerator="CUDAExecutionProvider": sorted(
        {node(e) for e in kernel_events(events) if e["args"]["provider"] == ex.CPU})}, {FALLBACK}),
    ("the accelerator argument ignored", {"fallback_nodes": lambda events, accelerator="CUDAExecutionProvider":
                                          R.fallback_nodes(events)}, {FALLBACK}),
    ("copies found by 'Memcpy' in the provider", {"copy_nodes": lambda events: sorted(
        {node(e) for e in kernel_events(events) if "Memcpy" in e["args"]["provider"]})}, {COPIES}),
    ("copies found by 'Host' in the name", {"copy_nodes": lambda events: sorted(
        {node(e) for e in kernel_events(events) if "Host" in e["name"]})}, {COPIES}),
    ("session.providers (the decoy)", {"active_providers": lambda session: list(session.providers)}, {ACTIVE}),
    ("my_fallback left empty", {"my_fallback": []}, {OWN}),
    ("share from the first run only", {"fallback_share": first_run_only}, {SHARE}),
    ("share of the model_run time", {"fallback_share": share_of_model_run}, {SHARE}),
    ("share of the nodes, not of the time", {"fallback_share": share_by_count}, {SHARE}),
    ("fence events' time counted", {"fallback_share": share_with_fences}, {SHARE}),
    ("share in percent", {"fallback_share": lambda events, accelerator="CUDAExecutionProvider":
                          100 * R.fallback_share(events, accelerator)}, {SHARE}),
    ("the accelerator's share", {"fallback_share": lambda events, accelerator="CUDAExecutionProvider":
                                 1 - R.fallback_share(events, accelerator)}, {SHARE}),
    ("no kernel time divides by zero", {"fallback_share": share_no_guard}, {SHARE}),
    ("speed-up = factor, whatever stays", {"best_speedup": lambda share, factor: factor}, {SPEEDUP}),
    ("speed-up = factor x accelerator share", {"best_speedup": lambda share, factor: factor * (1 - share)}, {SPEEDUP}),
    ("speed-up = 1 / share (the limit only)", {"best_speedup": lambda share, factor: 1 / share if share else factor},
     {SPEEDUP}),
    ("factor applied to the fallback", {"best_speedup": lambda share, factor: 1 / (share / factor + (1 - share))},
     {SPEEDUP}),
    ("the saving, not the speed-up", {"best_speedup": lambda share, factor: 1 - (share + (1 - share) / factor)},
     {SPEEDUP}),
    ("always speed up the accelerator", {"bigger_win": lambda events, accelerator, factor: "accelerator"}, {WIN}),
    ("the side with more nodes wins", {"bigger_win": lambda events, accelerator, factor: (
        "accelerator" if len({node(e) for e in kernel_events(events) if e["args"]["provider"] == accelerator})
        > len({node(e) for e in kernel_events(events) if e["args"]["provider"] != accelerator}) else "fallback")}, {WIN}),
    ("no tie: >= picks the accelerator", {"bigger_win": lambda events, accelerator, factor: (
        "accelerator" if split_time(events, accelerator)[0] >= split_time(events, accelerator)[1] else "fallback")},
     {WIN}),
    ("factor 1 treated like any other", {"bigger_win": lambda events, accelerator, factor: (
        lambda on, off: "either" if on == off else ("accelerator" if on > off else "fallback"))(
        *split_time(events, accelerator))}, {WIN}),
    ("the share compared with a half", {"bigger_win": lambda events, accelerator, factor: (
        "fallback" if R.fallback_share(events, accelerator) > 0.5 else "accelerator")}, {WIN}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain (the learner is told the right thing)
    "name.rstrip('_kernel_time')": "unexpected 'Memcpy_token_0'",
    "name.split('_kernel')[0]": "'conv'",
    "name[:-12] without checking the suffix": "named '<node>_kernel_time'",
    "fence events counted as nodes": "_fence_after'",
    "no dedup across runs": "distinct node names",
    "fallback means 'ran on the CPU EP'": "whose provider is not the accelerator",
    "the accelerator argument ignored": "(accelerator Tensorrt) your list has missing 'nms_7'",
    "copies found by 'Memcpy' in the provider": "MemcpyFromHost or MemcpyToHost",
    "copies found by 'Host' in the name": "args['op_name']",
    "session.providers (the decoy)": "list(session.get_providers())",
    "my_fallback left empty": "my_fallback = fallback_nodes(my_events)",
    "share from the first run only": "summed over every run",
    "share of the model_run time": "summed over every run",
    "share of the nodes, not of the time": "summed over every run",
    "fence events' time counted": "on an OpenVINO + CPU EP profile with fences",
    "share in percent": "not a percentage",
    "the accelerator's share": "ran off the accelerator",
    "no kernel time divides by zero": "return 0.0 when a profile has no kernel time",
    "speed-up = factor, whatever stays": "the fallback, unchanged",
    "speed-up = factor x accelerator share": "the old time over the new",
    "speed-up = 1 / share (the limit only)": "best_speedup(0.2, 2) returned 5",
    "factor applied to the fallback": "(the accelerator's part)",
    "the saving, not the speed-up": "the old time over the new",
    "always speed up the accelerator": "expected 'fallback'",
    "the side with more nodes wins": "the accelerator's nodes take",
    "no tie: >= picks the accelerator": "when both save the same, say 'either'",
    "factor 1 treated like any other": "with factor 1",
    "the share compared with a half": "say 'either'",
}


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks):
    ns = right_answers()
    ns.update(replaced)
    wrong = lost(ns)
    assert checks <= set(wrong), (what, wrong)
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():
        assert "\n" not in message and message.endswith(".") and len(message) < 300, message


@pytest.mark.parametrize("name, value, says", [
    ("fallback_share", lambda events, accelerator="CUDAExecutionProvider": "13%", "should return a number"),
    ("fallback_share", lambda events, accelerator="CUDAExecutionProvider": float("nan"), "should return a number"),
    ("best_speedup", lambda share, factor: None, "should return a number"),
    ("bigger_win", lambda events, accelerator, factor: "OpenVINO", "should return 'accelerator', 'fallback' or 'either'"),
    ("bigger_win", lambda events, accelerator, factor: True, "should return 'accelerator', 'fallback' or 'either'"),
])
def test_wrong_types_get_one_sentence(name, value, says):
    ns = right_answers()
    ns[name] = value
    message = next(iter(lost(ns).values()))
    assert says in message and "\n" not in message
