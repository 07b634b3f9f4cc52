"""The built core network behind a document, and what one batch through it revealed.

Shapes come from the real blockstudio.core network: ``pass_batch`` runs the children one by
one on a batch, so deferred parameters resolve exactly as in the tutorial, and an exception is
attributed to the layer whose forward raised it, with the core's own message.

After an edit the network is rebuilt, carrying over the values of every layer the edit did not
affect: a layer keeps its parameters when its shape-relevant settings and the size of its
input are unchanged. So a changed ``units`` resets that layer's weight and the next
parametrised layer's input dimension, and nothing else. Whether the input is unchanged is
worked out with the static rules below; the shapes shown only ever come from the core.
"""

import math
from dataclasses import dataclass

from blockstudio.workspace.layers import kind as layer_kind

@dataclass
class ParamInfo:
    name: str        # e.g. "sequential0_dense0_weight"
    short: str       # e.g. "weight"
    shape: tuple     # 0 marks a dimension not known yet
    resolved: bool


@dataclass
class LayerInfo:
    uid: str
    kind: str
    settings: dict
    title: str
    params: list
    output_shape: tuple | None
    param_count: int | None
    error: str | None


def signature(layer):
    """The settings that decide a layer's parameter shapes (Dense's activation does not)."""
    return layer_kind(layer.kind).signature(layer.settings)


def static_output_shape(layer, in_shape):
    """Gluon's shape rule for the layer's kind; used only to tell what an edit affected."""
    return layer_kind(layer.kind).output_shape(layer.settings, in_shape)


def static_in_dim(layer, in_shape):
    """What of its input a layer's parameter shapes depend on (None for layers without)."""
    return layer_kind(layer.kind).param_input(layer.settings, in_shape)


def static_chain(doc):
    """``{uid: (in_shape, (signature, in_dim))}`` for the document's layers, top to bottom."""
    chain, shape = {}, tuple(doc.input_shape)
    for layer in doc.layers:
        chain[layer.uid] = (shape, (signature(layer), static_in_dim(layer, shape)))
        shape = static_output_shape(layer, shape)
    return chain


def make_initializer(training):
    """The core initializer the training settings name (Xavier with magnitude, Uniform, Normal)."""
    import blockstudio.core as mx

    if training.initializer == "xavier":
        return mx.init.Xavier(magnitude=training.init_magnitude)
    if training.initializer == "uniform":
        return mx.init.Uniform(scale=training.init_scale)
    return mx.init.Normal(sigma=training.init_scale)


def block_params(block):
    """A block's own parameters in declaration order, as ``(short name, Parameter)``."""
    prefix = block.prefix
    return [(name[len(prefix):] if name.startswith(prefix) else name, param)
            for name, param in block.collect_params().items()]


def children(net):
    """The blocks of a Sequential, in order."""
    return [net[i] for i in range(len(net))]


def param_values(block):
    """Copies of a block's initialised parameter values, or None if any is still deferred."""
    values = []
    for _, param in block_params(block):
        if 0 in param.shape or not _is_initialized(param):
            return None
        values.append(param.data().asnumpy())
    return values


def _is_initialized(param):
    try:
        param.data()
    except Exception:  # noqa: BLE001 - DeferredInitializationError, or never initialised
        return False
    return True


class NetworkState:
    """The current core network for a document: built lazily, rebuilt after edits with carry-over.

    ``records`` hold what the last batch showed per layer: output shapes and errors, each
    keyed by the layer's signature and input shape so that they lapse when either changes.
    """

    def __init__(self):
        self.net = None
        self._stale = True
        self._built = {}        # uid -> (signature, in_dim) the current net was built for
        self._outputs = {}      # uid -> ((signature, in_shape), output shape)
        self._errors = {}       # uid -> ((signature, in_shape), message)
        self._summary = None

    # -- building ----------------------------------------------------------------------------

    def document_changed(self):
        """Mark the network out of date; it is rebuilt (with carry-over) on next use."""
        self._stale = True

    def network(self, doc):
        if self._stale or self.net is None:
            self._rebuild(doc)
        return self.net

    def reset(self):
        """Forget the network and every record (a new project, fresh parameters)."""
        self.net, self._outputs, self._errors, self._summary = None, {}, {}, None
        self._built, self._stale = {}, True

    def adopt(self, net, doc):
        """Make ``net`` (built for ``doc`` as it is now) the current network, keeping valid records."""
        chain = static_chain(doc)
        self.net, self._stale = net, False
        self._built = {uid: key for uid, (_, key) in chain.items()}
        self._drop_lapsed_records(chain)

    def _rebuild(self, doc):
        from blockstudio.workspace.spec import NetworkSpec, build_network

        chain = static_chain(doc)
        carried = {}
        if self.net is not None:
            for uid, block in zip(self._built, children(self.net)):
                if uid in chain and chain[uid][1] == self._built[uid]:
                    values = param_values(block)
                    if values is not None:
                        carried[uid] = values
        net = build_network(NetworkSpec(doc.input_shape, doc.layers))
        init = make_initializer(doc.training)
        for layer, block in zip(doc.layers, children(net)):
            values = carried.get(layer.uid)
            for index, (_, param) in enumerate(block_params(block)):
                if values is not None:
                    param.set_data(values[index])  # no initializer runs: no random draws wasted
                else:
                    param.initialize(None, None, init)  # as ParameterDict.initialize does
        self.adopt(net, doc)

    def _drop_lapsed_records(self, chain):
        # Records of layers whose signature or input changed no longer say anything.
        keys = {uid: (sig, shape) for uid, (shape, (sig, _)) in chain.items()}
        self._outputs = {u: r for u, r in self._outputs.items() if keys.get(u) == r[0]}
        self._errors = {u: r for u, r in self._errors.items() if keys.get(u) == r[0]}
        self._summary = None

    # -- one batch ---------------------------------------------------------------------------

    def pass_batch(self, doc, batch):
        """Run ``batch`` through the layers one by one; record shapes, or the first layer's error."""
        net = self.network(doc)
        chain = static_chain(doc)
        self._outputs, self._errors = {}, {}
        x = batch
        for layer, block in zip(doc.layers, children(net)):
            in_shape = tuple(x.shape)
            key = (chain[layer.uid][1][0], in_shape)
            try:
                x = block(x)
            except Exception as error:  # noqa: BLE001 - any failure is shown on the block
                self._errors[layer.uid] = (key, str(error) or type(error).__name__)
                break
            self._outputs[layer.uid] = (key, tuple(x.shape))
        self._summary = None
        return not self._errors

    # -- what views show ---------------------------------------------------------------------

    def layer_info(self, doc, layer):
        from blockstudio.workspace.spec import layer_title

        net = self.network(doc)
        block = net[doc.index_of(layer.uid)]
        params = []
        for short, param in block_params(block):
            shape = tuple(int(d) for d in param.shape)
            params.append(ParamInfo(param.name, short, shape, 0 not in shape))
        count = sum(math.prod(p.shape) for p in params) if all(p.resolved for p in params) else None
        output = self._outputs.get(layer.uid)
        error = self._errors.get(layer.uid)
        return LayerInfo(layer.uid, layer.kind, dict(layer.settings), layer_title(layer.kind, layer.settings),
                         params, output[1] if output else None, count, error[1] if error else None)

    def fully_resolved(self, doc):
        return bool(doc.layers) and all(layer.uid in self._outputs for layer in doc.layers) and not self._errors

    def total_params(self, doc):
        net = self.network(doc)
        shapes = [tuple(p.shape) for p in net.collect_params().values()]
        if any(0 in shape for shape in shapes):
            return None
        return sum(math.prod(shape) for shape in shapes)

    def summary(self, doc):
        """The core's ``summary`` table for the input shape, once every layer's shape is known."""
        if self._summary is None:
            if not self.fully_resolved(doc):
                return ""
            import blockstudio.core as mx
            from blockstudio.core import nd
            from blockstudio.workspace.spec import NetworkSpec, build_network

            # A copy of the architecture, never the live network: a forward pass on a fresh
            # run's network (still deferred) initialized it here, in the GUI thread, drawing from
            # the shared generator before the worker's shuffle -- the run then differed from the
            # exported script and raced the worker. Zero() draws nothing; the table shows only
            # shapes and counts, the same for any values.
            net = build_network(NetworkSpec(doc.input_shape, doc.layers))
            net.collect_params().initialize(mx.init.Zero())
            self._summary = net.summary_text(nd.zeros(tuple(doc.input_shape)))
        return self._summary

    def errors(self):
        return {uid: message for uid, (_, message) in self._errors.items()}
