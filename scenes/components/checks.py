"""The one check of a component's numeric input: a finite float array of the expected shape."""
from __future__ import annotations

import numpy as np


def finite_array(name: str, values, shape: tuple[int | None, ...], minus_inf_allowed=None) -> np.ndarray:
    """``values`` as a float array of ``shape`` (None = any length on that axis); where the boolean
    array ``minus_inf_allowed(a)`` is true (e.g. masked attention cells) -inf is accepted.

    Raises ValueError naming ``name`` and what is wrong: the number of axes, a length, an empty
    array, or NaN/inf values (how many, and the index of the first).
    """
    a = np.asarray(values, dtype=float)
    if a.ndim != len(shape):
        raise ValueError(f"{name} must be {len(shape)}-D with shape {shape}, got shape {a.shape}")
    if any(want is not None and got != want for got, want in zip(a.shape, shape)):
        raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    bad = ~np.isfinite(a)
    if minus_inf_allowed is not None:
        bad &= ~(minus_inf_allowed(a) & (a == -np.inf))
    if bad.any():
        first = tuple(int(k) for k in np.argwhere(bad)[0])
        raise ValueError(f"{name} has {int(bad.sum())} NaN/inf value(s), the first at index {first}")
    return a
