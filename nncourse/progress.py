"""The progress bar training shows: epochs done, time left, and the latest loss and accuracy.

In JupyterLab it is an ipywidgets bar; in a terminal (or with `widget=False`) it is tqdm's text
bar. The widget's output also carries a text version of the bar, refreshed when the bar closes,
so a notebook run without a widget front end (nbclient, nbgrader) still records the final line:

    training: 100%|██████████| 50/50 [00:01<00:00, 41.2epoch/s, loss=0.231 accuracy=0.95]

Use it as a context manager, or call .close():

    with progress_bar(epochs) as bar:
        for epoch in range(epochs):
            ...
            bar.update(loss=cost, accuracy=acc)
"""
import numbers

from IPython.display import display
from tqdm import std as tqdm_std
from tqdm.auto import tqdm as tqdm_auto
from tqdm.notebook import tqdm as tqdm_notebook

__all__ = ["ProgressBar", "progress_bar"]


def _in_notebook_kernel():
    """True when tqdm.auto chose its ipywidgets bar (we run in a Jupyter kernel)."""
    return issubclass(tqdm_auto, tqdm_notebook)


def format_postfix(values):
    """'loss=0.231 accuracy=0.95': numbers to 4 significant digits, in the order given."""
    parts = []
    for name, value in values.items():
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            text = str(int(value))
        elif isinstance(value, numbers.Real):
            text = f"{float(value):.4g}"
        else:
            text = str(value)
        parts.append(f"{name}={text}")
    return " ".join(parts)


class ProgressBar:
    """A bar over `total` steps (usually epochs). See `progress_bar`."""

    def __init__(self, total, desc="training", disable=False, *, unit="epoch", widget=None,
                 file=None):
        if isinstance(total, bool) or not isinstance(total, numbers.Integral) or total < 1:
            raise ValueError(f"total must be a positive integer (the number of steps); "
                             f"got {total!r}.")
        if not isinstance(desc, str):
            raise ValueError(f"desc must be a string; got {desc!r}.")
        self.total = int(total)
        self.closed = False
        self._n = 0
        self._postfix = ""
        self._display = None
        use_widget = _in_notebook_kernel() if widget is None else bool(widget)
        if use_widget and not disable:
            self._bar = tqdm_notebook(total=self.total, desc=desc, unit=unit, leave=True,
                                      display=False)
            # one output holding both the widget and a text line (see the module docstring)
            self._display = display(self._bar.container._repr_mimebundle_(), raw=True,
                                    display_id=True)
        else:
            self._bar = tqdm_std.tqdm(total=self.total, desc=desc, unit=unit, leave=True,
                                      disable=disable, file=file, dynamic_ncols=True)

    def update(self, n=1, **postfix):
        """Advance by n steps; keyword values (loss=0.231, accuracy=0.95) show after the bar."""
        if self.closed:
            raise ValueError("this progress bar is closed; make a new one.")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n must be a non-negative integer (steps done); got {n!r}.")
        if postfix:
            self._postfix = format_postfix(postfix)
            self._bar.set_postfix_str(self._postfix, refresh=False)
        self._n += int(n)
        self._bar.update(int(n))

    @property
    def n(self):
        """Steps done so far (counted even when the bar is disabled)."""
        return self._n

    @property
    def postfix(self):
        """The text after the bar, e.g. 'loss=0.231 accuracy=0.95' ('' before any)."""
        return self._postfix

    def text(self):
        """The bar as one line of text."""
        return str(self._bar)

    def close(self):
        """Finish the bar (closing twice is harmless)."""
        if self.closed:
            return
        self.closed = True
        self._bar.close()
        if self._display is not None:
            self._display.update(self._bar.container._repr_mimebundle_(), raw=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close()
        return False

    def __repr__(self):
        return f"<ProgressBar {self.text()}>"


def progress_bar(total, desc="training", disable=False, **options):
    """A progress bar over `total` steps, with .update(n=1, **postfix) and .close().

    total: number of steps (epochs).   desc: the label before the bar.
    disable: show nothing (the object still counts).
    Options: unit="epoch"; widget=None (auto: ipywidgets in a Jupyter kernel, text elsewhere),
    True or False to choose; file= where the text bar writes (default: standard error).
    Usable as a context manager: `with progress_bar(100) as bar: ... bar.update(loss=0.3)`.
    """
    return ProgressBar(total, desc, disable, **options)

