"""Compare a case's result with MXNet's recorded one (shared by the test and tools/differential.py)."""

import math

import numpy as np


def differences(ours, theirs, where="result", rtol=1e-4, atol=1e-6):
    """A list of human-readable differences; empty when the results agree."""
    if isinstance(theirs, dict) and theirs.get("raises"):
        if isinstance(ours, dict) and ours.get("raises"):
            return []
        return ["%s: MXNet raises (%s), we return %r" % (where, theirs.get("type"), ours)]
    if isinstance(ours, dict) and ours.get("raises"):
        return ["%s: we raise %s, MXNet returns %r" % (where, ours.get("type"), theirs)]
    if isinstance(theirs, dict) and "dtype" in theirs and "values" in theirs:
        if not (isinstance(ours, dict) and "dtype" in ours):
            return ["%s: expected an array, got %r" % (where, ours)]
        out = []
        if ours["dtype"] != theirs["dtype"]:
            out.append("%s: dtype %s, MXNet %s" % (where, ours["dtype"], theirs["dtype"]))
        if ours["shape"] != theirs["shape"]:
            return out + ["%s: shape %s, MXNet %s" % (where, ours["shape"], theirs["shape"])]
        a = np.array(ours["values"], dtype=np.float64)
        b = np.array(theirs["values"], dtype=np.float64)
        tol = 1e-3 if theirs["dtype"] == "float16" else rtol
        if not np.allclose(a, b, rtol=tol, atol=atol, equal_nan=True):
            out.append("%s: values %s, MXNet %s" % (where, a.tolist(), b.tolist()))
        return out
    if isinstance(theirs, dict):
        if not isinstance(ours, dict) or sorted(ours) != sorted(theirs):
            return ["%s: %r, MXNet %r" % (where, ours, theirs)]
        return [d for k in theirs for d in differences(ours[k], theirs[k], "%s[%r]" % (where, k))]
    if isinstance(theirs, (list, tuple)):
        if not isinstance(ours, (list, tuple)) or len(ours) != len(theirs):
            return ["%s: %r, MXNet %r" % (where, ours, theirs)]
        return [d for i, (a, b) in enumerate(zip(ours, theirs))
                for d in differences(a, b, "%s[%d]" % (where, i))]
    if isinstance(theirs, float) and isinstance(ours, (int, float)) and not isinstance(ours, bool):
        if math.isclose(ours, theirs, rel_tol=rtol, abs_tol=atol) or (
                math.isnan(ours) and math.isnan(theirs)):
            return []
        return ["%s: %r, MXNet %r" % (where, ours, theirs)]
    if ours != theirs or type(ours) is bool and type(theirs) is not bool:
        return ["%s: %r, MXNet %r" % (where, ours, theirs)]
    return []
