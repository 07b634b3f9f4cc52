"""blockstudio.core: a numpy autograd engine that speaks MXNet Gluon 1.x.

>>> import blockstudio.core as mx
>>> from blockstudio.core import nd, autograd, gluon
>>> from blockstudio.core.gluon import nn, Block
"""

from .base import MXNetError, DeferredInitializationError  # noqa: F401
from .context import Context, cpu, gpu, current_context, num_gpus  # noqa: F401
from . import random  # noqa: F401
from . import nd  # noqa: F401
from . import autograd  # noqa: F401
from . import initializer  # noqa: F401
from . import initializer as init  # noqa: F401
from . import optimizer  # noqa: F401
from . import lr_scheduler  # noqa: F401
from . import name  # noqa: F401
from . import gluon  # noqa: F401
from .ndarray import NDArray  # noqa: F401
from .memory import keep_freed_memory as _keep_freed_memory

_keep_freed_memory()  # see memory.py: reuse the large per-step temporaries instead of refaulting

__all__ = ["nd", "autograd", "gluon", "init", "initializer", "optimizer", "random", "cpu",
           "gpu", "Context", "NDArray", "DeferredInitializationError", "MXNetError"]
