"""nncourse.progress: a text bar in a terminal, a widget bar with a text line in a notebook."""
import io

import nbformat
import pytest
from nbclient import NotebookClient

from nncourse import progress
from nncourse.progress import format_postfix, progress_bar

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def last_line(stream):
    """The bar as last drawn (tqdm redraws with carriage returns)."""
    return stream.getvalue().replace("\n", "\r").strip("\r").split("\r")[-1]


def test_text_bar_counts_steps_and_shows_the_latest_values():
    out = io.StringIO()
    with progress_bar(4, desc="training", widget=False, file=out) as bar:
        for epoch in range(4):
            bar.update(loss=1 / (epoch + 1), accuracy=0.25 * epoch)
    line = last_line(out)
    assert line.startswith("training: 100%")
    assert "4/4" in line and "loss=0.25 accuracy=0.75" in line
    assert bar.n == 4 and bar.closed


def test_update_by_several_steps_and_postfix_only_when_given():
    bar = progress_bar(10, widget=False, file=io.StringIO())
    bar.update(3)
    assert bar.n == 3 and bar.postfix == ""
    bar.update(2, loss=0.5)
    assert bar.n == 5 and bar.postfix == "loss=0.5"
    bar.close()
    bar.close()  # twice is harmless
    with pytest.raises(ValueError, match="closed"):
        bar.update()


def test_disabled_bar_writes_nothing_but_still_counts():
    out = io.StringIO()
    with progress_bar(5, disable=True, file=out) as bar:
        bar.update(5, loss=0.1)
    assert out.getvalue() == "" and bar.n == 5


def test_context_manager_closes_the_bar_when_training_raises():
    with pytest.raises(RuntimeError):
        with progress_bar(3, widget=False, file=io.StringIO()) as bar:
            raise RuntimeError("boom")
    assert bar.closed


def test_postfix_format_rounds_numbers_and_keeps_order():
    assert format_postfix({"loss": 0.23145678, "accuracy": 0.95, "epoch": 7}) == \
        "loss=0.2315 accuracy=0.95 epoch=7"
    assert format_postfix({"note": "warm-up"}) == "note=warm-up"


@pytest.mark.parametrize("kwargs, match", [(dict(total=0), "total"), (dict(total=2.5), "total"),
                                           (dict(total=3, desc=5), "desc")])
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        progress_bar(**kwargs)


def test_update_rejects_a_negative_step():
    with progress_bar(3, widget=False, file=io.StringIO()) as bar, \
            pytest.raises(ValueError, match="n must"):
        bar.update(-1)


def test_widget_bar_displays_one_output_with_the_widget_and_its_final_text(monkeypatch):
    shown = []

    class Handle:
        def update(self, bundle, raw):
            shown.append(("update", bundle))

    def fake_display(bundle, raw, display_id):
        assert raw and display_id
        shown.append(("display", bundle))
        return Handle()

    monkeypatch.setattr(progress, "display", fake_display)
    with progress_bar(3, widget=True) as bar:
        for _ in range(3):
            bar.update(loss=0.125)
    (first_kind, first), (last_kind, last) = shown
    assert (first_kind, last_kind) == ("display", "update")
    assert WIDGET_VIEW in first and first["text/plain"].startswith("training:   0%")
    assert last[WIDGET_VIEW] == first[WIDGET_VIEW]  # the same widget, now with its final text
    assert "100%" in last["text/plain"] and "3/3" in last["text/plain"]
    assert "loss=0.125" in last["text/plain"]


@pytest.mark.slow
def test_training_in_a_kernel_records_the_widget_and_the_final_text_line():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from nncourse.reference import fit\n"
        "from nncourse.datasets import make_moons\n"
        "X, y = make_moons(60)\n"
        "params, history = fit(X, y, [2, 4, 1], ['tanh', 'sigmoid'], 'bce', epochs=7,\n"
        "                      progress=True)")]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"], "no stderr, a single output"
    data = outputs[0].data
    assert WIDGET_VIEW in data
    assert "100%" in data["text/plain"] and "7/7" in data["text/plain"]
    assert "loss=" in data["text/plain"] and "accuracy=" in data["text/plain"]
