"""blockstudio: compose, train and understand neural networks on the desktop."""

__version__ = "0.1.0"
