"""Saving and loading parameters as Gluon does: which file key feeds which Parameter, and the checks.

A file is matched to parameters through a mapping ``{file key: Parameter}`` in which several keys
may lead to one shared Parameter (its aliases): a file written with ``deduplicate=True`` holds one
of them, and any alias satisfies the parameter. Every header is read and compared with the network
before any data is read, so a file that does not fit (or declares gigabytes) is refused before it is
decompressed, with every missing, unexpected, mis-shaped and mis-typed key listed at once; nothing
is assigned unless everything fits.
"""

from collections import OrderedDict

import numpy as np

from ..base import shape_str

__all__ = ["block_arrays", "load_into_block", "load_into_dict", "assign_loaded"]

_DTYPE_SOURCES = ("current", "saved")


def block_arrays(block, deduplicate=False):
    """``{structural key: numpy array}`` of a block's parameters, shared ones once if asked."""
    arrays = OrderedDict()
    seen = set()
    for key, param in block._collect_params_with_prefix().items():
        if deduplicate and id(param) in seen:
            continue
        seen.add(id(param))
        arrays[key] = param.data()._data
    return arrays


def load_into_block(block, filename, allow_missing=False, ignore_extra=False, cast_dtype=False,
                    dtype_source="current"):
    """``Block.load_parameters``: structural keys (``0.weight``, or ``weight`` for a bare layer),
    or, for files of ``ParameterDict.save`` / old ``save_params``, full or prefix-stripped names."""
    from ..serialization import read_headers
    headers = read_headers(filename)
    mapping = block._collect_params_with_prefix()
    if headers and not any("." in key for key in headers):
        # MXNet's legacy rule: no key with a dot may mean full parameter names, possibly saved
        # without the block's prefix. The naming that explains most of the file's keys wins;
        # structural keys win a tie (a bare layer's "weight" is both).
        prefix = block.prefix
        full = OrderedDict(block.collect_params().items())
        stripped = OrderedDict((name[len(prefix):], p) for name, p in full.items()
                               if prefix and name.startswith(prefix))
        mapping = max((mapping, stripped, full), key=lambda m: sum(k in m for k in headers))
    _load(mapping, headers, filename, allow_missing, ignore_extra, cast_dtype, dtype_source)


def load_into_dict(params, filename, allow_missing=False, ignore_extra=False, restore_prefix="",
                   cast_dtype=False, dtype_source="current"):
    """``ParameterDict.load``: file keys are full names, less ``restore_prefix``."""
    from ..serialization import read_headers
    mapping = OrderedDict()
    for name, param in params.items():
        if not name.startswith(restore_prefix):
            raise ValueError("restore_prefix is '%s' but Parameter name '%s' does not start with "
                             "it" % (restore_prefix, name))
        mapping[name[len(restore_prefix):]] = param
    _load(mapping, read_headers(filename), filename, allow_missing, ignore_extra, cast_dtype,
          dtype_source)


def _load(mapping, headers, filename, allow_missing, ignore_extra, cast_dtype, dtype_source):
    from ..serialization import ParameterFileError, load_arrays
    if cast_dtype and dtype_source not in _DTYPE_SOURCES:
        raise ValueError("dtype_source must be 'current' or 'saved', got %r" % (dtype_source,))
    check_loaded(mapping, headers, filename, allow_missing, ignore_extra, cast_dtype)
    wanted = [key for key in headers if key in mapping]
    # The headers fit the network, so the data is the network's own size: no further bound.
    arrays = load_arrays(filename, names=set(wanted), max_bytes=None)
    for key in wanted:
        if key not in arrays or arrays[key].shape != headers[key].shape:
            raise ParameterFileError(filename, "the file changed while it was being loaded; "
                                               "nothing was loaded, try again")
    assign_loaded(mapping, arrays, filename, allow_missing, ignore_extra, cast_dtype, dtype_source)


def check_loaded(mapping, loaded, filename, allow_missing, ignore_extra, cast_dtype=True):
    """Raise one ValueError listing every key of ``loaded`` (arrays or ArrayInfo headers) that
    does not fit ``mapping``: missing, unexpected, mis-shaped, or of another dtype."""
    aliases = OrderedDict()
    for key, param in mapping.items():
        aliases.setdefault(id(param), []).append(key)
    missing = [] if allow_missing else [
        keys[0] for keys in aliases.values() if not any(k in loaded for k in keys)]
    unexpected = [] if ignore_extra else [k for k in loaded if k not in mapping]
    misshaped, mistyped = [], []
    for key, param in mapping.items():
        if key not in loaded:
            continue
        got, want = tuple(loaded[key].shape), param.shape
        fits = want is None or (len(want) == len(got) and all(
            w == 0 or w == g for w, g in zip(want, got)))
        if not fits:
            misshaped.append("%s: the network expects %s, the file has %s"
                             % (key, shape_str(want, unknown="?"), shape_str(got)))
        elif not cast_dtype and np.dtype(param.dtype) != loaded[key].dtype:
            mistyped.append("%s: the network has %s, the file has %s"
                            % (key, np.dtype(param.dtype).name, loaded[key].dtype.name))
    if missing or unexpected or misshaped or mistyped:
        lines = ["Cannot load parameters from '%s' into this network:" % filename]
        if missing:
            lines.append("  missing in the file (%d): %s" % (len(missing), ", ".join(missing)))
        if unexpected:
            lines.append("  in the file but not in the network (%d): %s"
                         % (len(unexpected), ", ".join(unexpected)))
        if misshaped:
            lines.append("  shape mismatch (%d):" % len(misshaped))
            lines.extend("    " + m for m in misshaped)
        if mistyped:
            lines.append("  dtype mismatch (%d), pass cast_dtype=True to convert:" % len(mistyped))
            lines.extend("    " + m for m in mistyped)
        lines.append("Nothing was changed. Check that the file was saved from the same "
                     "architecture; pass allow_missing=True or ignore_extra=True to load a "
                     "partial match.")
        raise ValueError("\n".join(lines))


def assign_loaded(mapping, loaded, filename, allow_missing, ignore_extra, cast_dtype=True,
                  dtype_source="current"):
    """Check (see ``check_loaded``), then give each Parameter its loaded value.

    ``cast_dtype`` with ``dtype_source='saved'`` makes the Parameter take the file's dtype;
    otherwise values are converted to the Parameter's dtype.
    """
    check_loaded(mapping, loaded, filename, allow_missing, ignore_extra, cast_dtype)
    for key, param in mapping.items():
        if key in loaded:
            value = loaded[key]
            if cast_dtype and dtype_source == "saved":
                param.dtype = value.dtype.type
            param._load_init(value)
