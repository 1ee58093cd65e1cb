"""Call a function the way the grader does: arguments and results cross a process boundary.

`through_pickle(func)` returns a picklable callable that round-trips the arguments through pickle
before calling `func` and the result after it (a generator's items are listed first), then copies
the arguments' state after the call back into the caller's objects, as the grader's proxy reports
in-place changes. A check that passes a lambda or a closure, or relies on anything but the
returned value and the arguments' contents, fails under it.
"""
import functools
import inspect
import pickle

import numpy as np


def _write_back(original, changed):
    """Copy the contents of `changed` (a pickled copy after the call) into `original`."""
    if isinstance(original, np.random.Generator):
        original.bit_generator.state = changed.bit_generator.state
    elif isinstance(original, np.ndarray) and isinstance(changed, np.ndarray) \
            and original.shape == changed.shape and original.flags.writeable:
        original[...] = changed
    elif isinstance(original, list) and isinstance(changed, list):
        if len(original) == len(changed):
            for i, (a, b) in enumerate(zip(original, changed)):
                if type(a) is type(b) and isinstance(a, (np.ndarray, list, tuple, np.random.Generator)):
                    _write_back(a, b)
                else:
                    original[i] = b
        else:
            original[:] = changed
    elif isinstance(original, tuple) and isinstance(changed, tuple) and len(original) == len(changed):
        for a, b in zip(original, changed):
            _write_back(a, b)


def _call_pickled(func, *args, **kwargs):
    copied_args, copied_kwargs = pickle.loads(pickle.dumps((args, kwargs)))
    result = func(*copied_args, **copied_kwargs)
    if inspect.isgenerator(result):
        result = list(result)
    result = pickle.loads(pickle.dumps(result))
    for original, changed in zip(args, copied_args):
        _write_back(original, changed)
    for key, original in kwargs.items():
        _write_back(original, copied_kwargs[key])
    return result


def through_pickle(func):
    """`func` wrapped so that everything passed to it and returned from it is pickled."""
    pickle.dumps(func)  # the function itself must be picklable (module-level)
    return functools.partial(_call_pickled, func)
