from accelkit.core.progress_bars import steps


def test_steps_yield_everything_in_order(monkeypatch, capsys):
    monkeypatch.setenv("ACCELKIT_NO_BARS", "1")
    assert list(steps(["a", "b"], "x")) == ["a", "b"]
    monkeypatch.delenv("ACCELKIT_NO_BARS")
    assert list(steps(range(3), "x")) == [0, 1, 2]      # captured output (not a terminal): no bar, same items
    assert list(steps([], "x")) == []
    assert capsys.readouterr() == ("", "")              # nothing was drawn, on stdout or stderr


def test_terminal_bar(monkeypatch, capsys):
    import sys

    monkeypatch.delenv("ACCELKIT_NO_BARS", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert list(steps([1, 2], "work")) == [1, 2]
    err = capsys.readouterr().err
    assert "work [" in err and "2/2 done" in err


def test_window_bar_fills_in_a_notebook(monkeypatch):
    import time

    import accelkit.core.progress_bars as bars

    monkeypatch.delenv("ACCELKIT_NO_BARS", raising=False)
    monkeypatch.setattr(bars, "_in_notebook", lambda: True)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda widget: shown.append(widget))
    with bars.window(0.6, "measuring"):
        time.sleep(0.7)
    assert shown and shown[0].value == 0.6 and shown[0].bar_style == "success"
    with bars.window(None, "no window"):      # iterations-only windows show nothing
        pass
    assert len(shown) == 1
