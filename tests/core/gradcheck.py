"""Finite-difference gradient checking in float64."""

import numpy as np

from blockstudio.core import autograd, nd


def check_grad(fn, *inputs, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0):
    """Compare autograd's gradient of ``sum(w * fn(*inputs))`` with central differences.

    A random weighting ``w`` makes every output element count differently, so a backward
    that mixes up elements cannot pass by symmetry.
    """
    arrays = [nd.array(x, dtype=np.float64) for x in inputs]
    for a in arrays:
        a.attach_grad()
    with autograd.record():
        out = fn(*arrays)
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(nd.array(weights, dtype=np.float64))
    for which, a in enumerate(arrays):
        analytic = a.grad.asnumpy()
        numeric = np.zeros_like(analytic)
        base = a._data
        for idx in np.ndindex(base.shape):
            original = base[idx]
            base[idx] = original + eps
            plus = (fn(*arrays).asnumpy() * weights).sum()
            base[idx] = original - eps
            minus = (fn(*arrays).asnumpy() * weights).sum()
            base[idx] = original
            numeric[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                                   err_msg="gradient of input %d" % which)
    return out
