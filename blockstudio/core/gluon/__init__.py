"""Gluon: blocks, parameters, losses, the trainer and data (``mxnet.gluon``)."""

from .block import Block, HybridBlock  # noqa: F401
from .parameter import Parameter, ParameterDict  # noqa: F401
from .trainer import Trainer  # noqa: F401
from . import nn, loss  # noqa: F401
from . import data  # noqa: F401
from . import utils  # noqa: F401
