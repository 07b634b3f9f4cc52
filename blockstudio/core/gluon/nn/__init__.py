"""Neural-network layers (``gluon.nn``)."""

from ..block import Block, HybridBlock  # noqa: F401
from .basic_layers import (ACTIVATIONS, Activation, Dense, Dropout, Flatten,  # noqa: F401
                           HybridSequential, Sequential)
