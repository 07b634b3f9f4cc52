"""Inspecting what a network learned, headless: evaluation, mistakes, activations, weights.

Every function takes a core ``nn.Sequential`` (``ws.network``) and plain arrays, so it works for
any network composed in the app, the CLI or a test. The views in ``blockstudio.ui.inspect``
render what these return.
"""

from blockstudio.workspace.inspect.activations import LayerOutput, Trace, grid_columns, softmax, trace_sample
from blockstudio.workspace.inspect.data import (CLASS_NAMES, Split, as_input, find_split, load_split, network_input,
                                                preview, takes_channels_first)
from blockstudio.workspace.inspect.digitpad import strokes_to_image
from blockstudio.workspace.inspect.evaluation import Evaluation, evaluate, mistakes, score
from blockstudio.workspace.inspect.histograms import QUANTILES, HistogramRecorder
from blockstudio.workspace.inspect.weights import (ParamStats, WeightView, dead_units, filter_tiles, parameter_stats,
                                                   snapshot, weight_views)

__all__ = ["LayerOutput", "Trace", "grid_columns", "softmax", "trace_sample", "CLASS_NAMES", "Split", "as_input",
           "find_split", "load_split", "network_input", "preview", "takes_channels_first", "strokes_to_image",
           "Evaluation", "evaluate", "mistakes", "score", "QUANTILES", "HistogramRecorder", "ParamStats", "WeightView",
           "dead_units", "filter_tiles", "parameter_stats", "snapshot", "weight_views"]
