"""Neural-network layers (``gluon.nn``)."""

from ..block import Block, HybridBlock  # noqa: F401
from .basic_layers import (ACTIVATIONS, Activation, Dense, Dropout, Flatten,  # noqa: F401
                           HybridSequential, Sequential)
from .conv_layers import (AvgPool2D, BatchNorm, Conv2D, GlobalAvgPool2D,  # noqa: F401
                          GlobalMaxPool2D, MaxPool2D)
