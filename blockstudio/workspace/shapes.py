"""The built core network behind a document, its parameter store, and what one batch revealed.

Shapes come from the real blockstudio.core network: ``pass_batch`` runs the children one by
one on a batch, so deferred parameters resolve exactly as in the tutorial, and an exception is
attributed to the layer whose forward raised it, with the core's own message.

Parameter values belong to layers, not to a build of the network. The store keeps every
value a layer has had, keyed by the layer's identity (its uid) and by what its parameter
shapes depend on (its kind's shape settings and its input size). An edit rebuilds the
network once and each layer takes the values stored under its current key: a changed
``units`` leaves that layer and the next parametrised one without values (until a batch
or a run gives them their initial ones), and an undo finds the old values again, bitwise.
Whether a layer's input is unchanged is worked out with the kinds' static shape rules; the
shapes shown only ever come from the core.

Fresh values are the same whatever edits led to a network: a layer without stored values gets
the values a fresh start from the project's seed gives it (``initial_values``), exactly what
the exported script and ``blockstudio train`` begin with.
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


def network_input_shape(doc):
    """The shape of a batch as the network receives it: the Input's shape, channels first
    ((N, H, W, C) -> (N, C, H, W)) when the network has a layer that takes NCHW (a Conv2D)."""
    from blockstudio.workspace.layers import channels_first

    shape = tuple(doc.input_shape)
    if len(shape) == 4 and channels_first(doc.layers):
        n, h, w, c = shape
        return (n, c, h, w)
    return shape


def moves_channels_first(doc):
    """True when images reach ``doc``'s network channels first (it has a Conv2D, say)."""
    return network_input_shape(doc) != tuple(doc.input_shape)


def to_network_layout(batch, doc):
    """A batch of images as the Input gives them, moved channels first when the network needs it."""
    from blockstudio.core import nd

    if len(batch.shape) == 4 and moves_channels_first(doc):
        return nd.moveaxis(batch, -1, -3)
    return batch


def static_chain(doc):
    """``{uid: (in_shape, (signature, in_dim))}`` for the document's layers, top to bottom."""
    chain, shape = {}, network_input_shape(doc)
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
    """The blocks of a Sequential, in order (one pass, whatever the number of layers)."""
    return list(net._children.values())


def param_values(block):
    """The block's current parameter arrays, or None if any is still without a value."""
    values = []
    for _, param in block_params(block):
        if param._data is None:
            return None
        values.append(param._data._data)
    return values


def fresh_network(doc, initialize=True, training=None):
    """A new core network for ``doc``; with ``initialize``, its parameters initialized (deferred)
    per the training settings (``training``, else the document's), as the exported script does."""
    from blockstudio.workspace.spec import NetworkSpec, build_network

    net = build_network(NetworkSpec(doc.input_shape, doc.layers))
    if initialize:
        net.collect_params().initialize(make_initializer(training or doc.training))
    return net


def resolve_initial(net, doc):
    """Give every deferred parameter its value with one batch of zeros, layer by layer, as the
    exported script does right after ``initialize``. Draws from the shared generator; stops
    quietly at a layer that cannot run (its error shows when a real batch passes)."""
    from blockstudio.core import autograd, nd

    x = nd.zeros(network_input_shape(doc))
    with autograd.pause():
        for block in children(net):
            try:
                x = block(x)
            except Exception:  # noqa: BLE001 - reported by pass_batch with the layer's name
                return False
    return True


def architecture_key(doc):
    """What a network's initial values depend on: input, shape signatures, initializer, seed."""
    t = doc.training
    return (network_input_shape(doc), tuple(signature(layer) for layer in doc.layers),
            t.initializer, t.init_magnitude, t.init_scale, t.seed)


class NetworkState:
    """The current core network for a document, rebuilt once per edit, over a parameter store.

    ``counts`` tells how much work actions did (tests pin it): ``builds`` of the live network,
    ``forwards`` of a batch through it, ``initials`` of the fresh values of an architecture.
    """

    def __init__(self):
        self.net = None
        self._keys = []          # (uid, key) per child of self.net, in order
        self._store = {}         # (uid, key) -> [arrays]: values a layer had under that key
        self._outputs = {}       # (uid, signature, in_shape) -> output shape, as the core gave it
        self._errors = {}        # uid -> ((signature, in_shape), message) of the last batch
        self._initial = None     # the fresh values of one architecture: see initial_values
        self.counts = {"builds": 0, "forwards": 0, "initials": 0}

    # -- building ----------------------------------------------------------------------------

    def sync(self, doc):
        """Rebuild for ``doc`` after an edit of its layers or input: each layer takes the values
        stored under its key; one build, no forward pass, no random draw. Returns True when the
        set of layers holding values changed (some were invalidated or restored)."""
        import blockstudio.core as mx

        before = self.valued_layers()
        self._harvest()
        net = fresh_network(doc, initialize=False)
        self.counts["builds"] += 1
        chain = static_chain(doc)
        keys = [(layer.uid, chain[layer.uid][1]) for layer in doc.layers]
        init = make_initializer(doc.training)
        blocks = children(net)
        for index, ((uid, key), block) in enumerate(zip(keys, blocks)):
            params = [param for _, param in block_params(block)]
            values = self._store.get((uid, key))
            if values is not None:
                for param, value in zip(params, values):
                    param.set_data(value)
            elif params and all(0 not in param.shape for param in params):
                # Every shape known already (in_units given): the fresh values, right away.
                initial = self.initial_values(doc)
                for number, param in enumerate(params):
                    if index in initial:
                        param.set_data(initial[index][number])
                    else:
                        param.initialize(None, None, init)
            elif params:
                # Deferred until a batch flows, as in the tutorial; a part whose shape is known
                # (a bias) is made now, apart from the shared generator, and replaced by its
                # fresh value with the rest of the layer.
                with mx.random.isolated(0):
                    for param in params:
                        param.initialize(None, None, init)
        self.net, self._keys = net, keys
        self._drop_lapsed_errors(chain)
        return self.valued_layers() != before

    def valued_layers(self):
        """``{(uid, key)}`` of the layers holding values: what a change of parameters changes."""
        if self.net is None:
            return set()
        return {uk for uk, block in zip(self._keys, children(self.net)) if param_values(block)}

    def _harvest(self):
        """Keep the current network's values in the store under each layer's key."""
        if self.net is None:
            return
        for (uid, key), block in zip(self._keys, children(self.net)):
            values = param_values(block)
            if values:
                self._store[(uid, key)] = values

    def reset(self, doc, build=True):
        """Forget every value and record (a new project, fresh parameters); with ``build``,
        rebuild deferred (without, the caller adopts a network of its own next)."""
        self.net, self._keys, self._store, self._errors, self._outputs = None, [], {}, {}, {}
        if build:
            self.sync(doc)

    def adopt(self, net, doc):
        """Make ``net`` (built for ``doc`` as it is now) the current network: its values replace
        every stored one (loaded parameters, a fresh run)."""
        chain = static_chain(doc)
        self.net, self._store = net, {}
        self._keys = [(layer.uid, chain[layer.uid][1]) for layer in doc.layers]
        self._drop_lapsed_errors(chain)

    def _drop_lapsed_errors(self, chain):
        keys = {uid: (sig, shape) for uid, (shape, (sig, _)) in chain.items()}
        self._errors = {u: r for u, r in self._errors.items() if keys.get(u) == r[0]}

    # -- fresh values ------------------------------------------------------------------------

    def initial_values(self, doc):
        """``{layer index: [arrays]}``: the values a fresh start from the project's seed gives
        each layer that can run. Computed apart from the live network and the shared generator."""
        import blockstudio.core as mx

        key = architecture_key(doc)
        if self._initial is None or self._initial["key"] != key:
            self.counts["initials"] += 1
            with mx.random.isolated(doc.training.seed):
                net = fresh_network(doc)
                resolve_initial(net, doc)
            values = {}
            for index, block in enumerate(children(net)):
                got = param_values(block)
                if got is not None:
                    values[index] = got
            self._initial = {"key": key, "values": values, "net": net, "summary": None}
        return self._initial["values"]

    def materialize(self, doc):
        """Give every deferred parameter its fresh value (before a run continues, say), so no
        value depends on when or in which order it was first needed."""
        pending = [(index, block) for index, block in enumerate(children(self.net))
                   if param_values(block) is None]
        if not pending:
            return
        initial = self.initial_values(doc)
        for index, block in pending:
            if index in initial:
                for number, (_, param) in enumerate(block_params(block)):
                    param.set_data(initial[index][number])

    # -- one batch ---------------------------------------------------------------------------

    def pass_batch(self, doc, batch):
        """Run ``batch`` through the layers one by one; record shapes, or the first layer's error.

        Layers without values get their fresh ones first, so the batch flows through exactly the
        network a fresh run starts from.
        """
        self.materialize(doc)
        chain = static_chain(doc)
        self._errors = {}
        self.counts["forwards"] += 1
        x = batch
        for layer, block in zip(doc.layers, children(self.net)):
            in_shape = tuple(x.shape)
            sig = chain[layer.uid][1][0]
            try:
                x = block(x)
            except Exception as error:  # noqa: BLE001 - any failure is shown on the block
                self._errors[layer.uid] = ((sig, in_shape), str(error) or type(error).__name__)
                break
            self._outputs[(layer.uid, sig, in_shape)] = tuple(x.shape)
        return not self._errors

    # -- what views show ---------------------------------------------------------------------

    def _output(self, chain, layer):
        in_shape, (sig, _) = chain[layer.uid]
        return self._outputs.get((layer.uid, sig, tuple(in_shape)))

    def layer_info(self, doc, layer, index=None, chain=None):
        from blockstudio.workspace.spec import layer_title

        chain = chain or static_chain(doc)
        index = doc.index_of(layer.uid) if index is None else index
        block = self.net[index]
        params = []
        for short, param in block_params(block):
            shape = tuple(int(d) for d in param.shape)
            params.append(ParamInfo(param.name, short, shape, 0 not in shape))
        count = sum(math.prod(p.shape) for p in params) if all(p.resolved for p in params) else None
        output = self._output(chain, layer)
        error = self._errors.get(layer.uid)
        return LayerInfo(layer.uid, layer.kind, dict(layer.settings), layer_title(layer.kind, layer.settings),
                         params, output, count, error[1] if error else None)

    def fully_resolved(self, doc):
        if not doc.layers or self._errors:
            return False
        chain = static_chain(doc)
        return all(self._output(chain, layer) is not None for layer in doc.layers) and \
            all(param._data is not None for param in self.net.collect_params().values())

    def total_params(self, doc):
        shapes = [tuple(p.shape) for p in self.net.collect_params().values()]
        if any(0 in shape for shape in shapes):
            return None
        return sum(math.prod(shape) for shape in shapes)

    def summary(self, doc):
        """The core's ``summary`` table for the input shape, once every layer's shape is known.

        Computed on the fresh-values copy of the architecture, never the live network: the
        table shows only shapes and counts, the same for any values."""
        from blockstudio.core import nd

        if not self.fully_resolved(doc):
            return ""
        self.initial_values(doc)
        entry = self._initial
        if entry["summary"] is None:
            try:
                entry["summary"] = entry["net"].summary_text(nd.zeros(network_input_shape(doc)))
            except Exception:  # noqa: BLE001 - a network that cannot run has no summary
                entry["summary"] = ""
        return entry["summary"]

    def errors(self):
        return {uid: message for uid, (_, message) in self._errors.items()}
