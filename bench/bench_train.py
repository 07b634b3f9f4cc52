"""Training throughput of the tutorial MLP: blockstudio.core vs hand-written numpy vs PyTorch.

One process, one run, the same network (784-128-64-10, relu, softmax cross-entropy, SGD lr 0.1,
batch 64), the same initial weights and the same real MNIST batches for every implementation:

  (a) blockstudio.core, the tutorial's loop: autograd.record(), loss.backward(), Trainer.step(64)
  (b) plain float32 numpy written by hand: the no-framework reference
  (c) PyTorch CPU, if it is installed

Implementations take turns within each repetition so that noise from other processes on the
machine hits them alike; the table shows the median samples/s. BLAS runs with 1 thread by default
(on small matrices extra threads cost far more than they bring): --threads N to change it.

    python bench/bench_train.py                # the table
    python bench/bench_train.py --profile      # also: where blockstudio's time goes (cProfile)
"""

import argparse
import gzip
import os
import statistics
import struct
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "datasets" / "mnist"
LAYERS = (784, 128, 64, 10)
LEARNING_RATE = 0.1


# -- data -----------------------------------------------------------------------------------

def read_idx(path, magic, count):
    """The first ``count`` items of an MNIST idx file (gzip), checking its magic number."""
    with gzip.open(path, "rb") as f:
        found, total = struct.unpack(">II", f.read(8))
        if found != magic:
            sys.exit(f"{path}: magic number {found} is not {magic}; is this an MNIST idx file?")
        item_shape = struct.unpack(f">{magic % 256 - 1}I", f.read(4 * (magic % 256 - 1)))
        count = min(count, total)
        size = count * int(np.prod(item_shape, dtype=np.int64))
        data = np.frombuffer(f.read(size), dtype=np.uint8)
    if data.size != size:
        sys.exit(f"{path}: truncated, expected {size} bytes of data, got {data.size}")
    return data.reshape((count, *item_shape))


def load_batches(folder, n_batches, batch_size):
    """``n_batches`` consecutive MNIST training batches: images (B, 784) float32 in [0, 1], labels int64."""
    n = n_batches * batch_size
    images = read_idx(folder / "train-images-idx3-ubyte.gz", 2051, n)
    labels = read_idx(folder / "train-labels-idx1-ubyte.gz", 2049, n)
    if len(images) < n:
        sys.exit(f"{folder}: only {len(images)} images, the benchmark needs {n}")
    x = (images.reshape(n, 784).astype(np.float32) / 255).reshape(n_batches, batch_size, 784)
    y = labels.astype(np.int64).reshape(n_batches, batch_size)
    return list(x), list(y)


def initial_weights(seed=0):
    """Glorot-uniform weights (out, in) and zero biases, shared by every implementation."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    return params


# -- (b) numpy by hand ----------------------------------------------------------------------

class NumpyMLP:
    """The MLP as a careful numpy programmer writes it: no allocation per step, lr folded in.

    Weights are kept as (in, out), so every forward product is a plain (non-transposed) GEMM:
    with OpenBLAS that is ~25% faster for the first layer than Gluon's (out, in) layout with
    ``x @ W.T`` (``NumpyGluonLayoutMLP`` measures that layout). Every buffer is allocated once;
    the loss gradient is scaled by lr/B once, so the parameter gradients come out already
    scaled and SGD is an in-place subtraction.
    """

    in_out = True

    def __init__(self, params, batch_size):
        # Private copies (np.array always copies), weights in this class's layout; ``self.w``
        # are (in, out) views of them for the arithmetic below.
        self.params = [np.array(p.T if self.in_out else p, order="C") for p in params]
        self.w = [p.T if (p.ndim == 2) != self.in_out else p for p in self.params]
        b = batch_size
        self.z = [np.empty((b, n), np.float32) for n in LAYERS[1:]]       # pre-activations
        self.dz = [np.empty((b, n), np.float32) for n in LAYERS[1:]]
        self.grads = [np.empty_like(p) for p in self.params]
        self.rows = np.arange(b)
        self.loss = np.empty(b, np.float32)

    def weight_grad(self, a, dz, out):
        if self.in_out:
            np.matmul(a.T, dz, out=out)
        else:
            np.matmul(dz.T, a, out=out)

    def step(self, x, y):
        (w1, b1, w2, b2, w3, b3), (z1, z2, z3), (dz1, dz2, dz3) = self.w, self.z, self.dz
        gw1, gb1, gw2, gb2, gw3, gb3 = self.grads
        # forward; relu in place, its output doubles as the backward mask
        np.matmul(x, w1, out=z1); z1 += b1; np.maximum(z1, 0, out=z1)
        np.matmul(z1, w2, out=z2); z2 += b2; np.maximum(z2, 0, out=z2)
        np.matmul(z2, w3, out=z3); z3 += b3
        # softmax cross-entropy (the per-sample loss is computed, as Gluon's loss does)
        z3 -= z3.max(axis=1, keepdims=True)
        np.exp(z3, out=dz3)
        total = dz3.sum(axis=1, keepdims=True)
        np.subtract(np.log(total[:, 0]), z3[self.rows, y], out=self.loss)
        dz3 *= LEARNING_RATE / len(x) / total
        dz3[self.rows, y] -= LEARNING_RATE / len(x)
        # backward
        self.weight_grad(z2, dz3, gw3); dz3.sum(axis=0, out=gb3)
        np.matmul(dz3, w3.T, out=dz2); dz2 *= z2 > 0
        self.weight_grad(z1, dz2, gw2); dz2.sum(axis=0, out=gb2)
        np.matmul(dz2, w2.T, out=dz1); dz1 *= z1 > 0
        self.weight_grad(x, dz1, gw1); dz1.sum(axis=0, out=gb1)
        # SGD
        for p, g in zip(self.params, self.grads):
            p -= g

    def weights(self):
        return [p.T if self.in_out else p for p in self.params]


class NumpyGluonLayoutMLP(NumpyMLP):
    """The same, with weights stored (out, in) as Gluon's parameters are: ``x @ W.T``."""

    in_out = False


# -- (a) blockstudio.core -------------------------------------------------------------------

class BlockstudioMLP:
    """The tutorial's network and loop, with the imports the issue prescribes."""

    def __init__(self, params, batch_size):
        import blockstudio.core as mx
        from blockstudio.core import autograd, gluon, nd
        from blockstudio.core.gluon import nn

        self.autograd, self.batch_size = autograd, batch_size
        net = nn.Sequential()
        with net.name_scope():
            net.add(nn.Dense(128, activation="relu"))
            net.add(nn.Dense(64, activation="relu"))
            net.add(nn.Dense(10))
        net.initialize(mx.init.Xavier(magnitude=2.24), ctx=mx.cpu())
        net(nd.zeros((batch_size, 28, 28, 1)))  # resolve the deferred shapes
        self.param_list = list(net.collect_params().values())
        for param, value in zip(self.param_list, params, strict=True):
            if param.shape != value.shape:
                raise RuntimeError(f"{param.name}: shape {param.shape}, expected {value.shape}")
            param.set_data(nd.array(value))
        self.net = net
        self.loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        self.trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": LEARNING_RATE})
        self.nd = nd

    def prepare(self, x, y):
        # The tutorial's batches: (64, 28, 28, 1) float32 images, float32 labels.
        return self.nd.array(x.reshape(-1, 28, 28, 1)), self.nd.array(y.astype(np.float32))

    def step(self, x, y):
        with self.autograd.record():
            output = self.net(x)
            loss = self.loss_fn(output, y)
        loss.backward()
        self.trainer.step(self.batch_size)

    def weights(self):
        return [p.data().asnumpy() for p in self.param_list]


# -- (c) PyTorch ----------------------------------------------------------------------------

class TorchMLP:
    def __init__(self, params, batch_size):
        import torch

        self.torch = torch
        layers = []
        for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        self.net = torch.nn.Sequential(*layers[:-1])
        linears = [m for m in self.net if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():
            for i, linear in enumerate(linears):
                linear.weight.copy_(torch.from_numpy(params[2 * i]))
                linear.bias.copy_(torch.from_numpy(params[2 * i + 1]))
        self.linears = linears
        self.loss_fn = torch.nn.CrossEntropyLoss()  # mean over the batch = Gluon's sum / step(B)
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=LEARNING_RATE)

    def prepare(self, x, y):
        return self.torch.from_numpy(x), self.torch.from_numpy(y)

    def step(self, x, y):
        self.optimizer.zero_grad(set_to_none=True)
        self.loss_fn(self.net(x), y).backward()
        self.optimizer.step()

    def weights(self):
        return [t.detach().numpy().copy() for m in self.linears for t in (m.weight, m.bias)]


# -- measuring ------------------------------------------------------------------------------

def build(name, cls, params, args):
    try:
        impl = cls(params, args.batch_size)
    except Exception as err:  # a missing or unfinished engine, no torch: report, keep going
        return None, f"{type(err).__name__}: {err}"
    return impl, None


def run_steps(impl, batches):
    start = time.perf_counter()
    for x, y in batches:
        impl.step(x, y)
    return time.perf_counter() - start


def prepared(impl, xs, ys):
    prepare = getattr(impl, "prepare", None)
    return [prepare(x, y) if prepare else (x, y) for x, y in zip(xs, ys)]


def agreement(impls, params, xs, ys, args, steps=20):
    """Train fresh copies for a few steps from the same weights: do they compute the same thing?"""
    reference = NumpyMLP(params, args.batch_size)
    for x, y in zip(xs[:steps], ys[:steps]):
        reference.step(x, y)
    result = {}
    for name, cls in impls:
        if cls is NumpyMLP:
            continue
        impl, _ = build(name, cls, params, args)
        if impl is None:
            continue
        for x, y in prepared(impl, xs[:steps], ys[:steps]):
            impl.step(x, y)
        result[name] = max(float(np.max(np.abs(a - b)))
                           for a, b in zip(impl.weights(), reference.weights()))
    return result


def blas_description():
    parts = []
    for lib in threadpool_info():
        version = f" {lib['version']}" if lib.get("version") else ""
        parts.append(f"{lib['internal_api']}{version} ({os.path.basename(lib['filepath'])}): "
                     f"{lib['num_threads']} thread(s)")
    return "; ".join(parts)


def profile_blockstudio(impl, batches, top):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run_steps(impl, batches)
    profiler.disable()
    print(f"\ncProfile of blockstudio.core over {len(batches)} steps (sorted by own time):")
    pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--steps", type=int, default=100, help="steps per repetition (distinct batches)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repetitions per implementation")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", type=Path, default=DEFAULT_MNIST, help="folder with MNIST .gz files")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--profile", action="store_true", help="cProfile blockstudio.core's loop")
    args = parser.parse_args(argv)

    xs, ys = load_batches(args.data, max(args.steps, args.warmup), args.batch_size)
    params = initial_weights()
    impls = [("blockstudio.core", BlockstudioMLP), ("numpy (by hand)", NumpyMLP),
             ("numpy, (out,in) W", NumpyGluonLayoutMLP)]
    torch_note = "not run (--no-torch)"
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch_note = "not installed"
        else:
            torch.set_num_threads(args.threads)
            torch.set_num_interop_threads(1)
            impls.append((f"torch {torch.__version__}", TorchMLP))

    with threadpool_limits(limits=args.threads):
        built, missing = [], {}
        for name, cls in impls:
            impl, error = build(name, cls, params, args)
            if impl is None:
                missing[name] = error
            else:
                built.append((name, impl, prepared(impl, xs[:args.steps], ys[:args.steps])))
        for name, impl, batches in built:
            run_steps(impl, (batches * (args.warmup // len(batches) + 1))[:args.warmup])
        times = {name: [] for name, _, _ in built}
        for _ in range(args.repeats):
            for name, impl, batches in built:
                times[name].append(run_steps(impl, batches))
        check = agreement([(n, c) for n, c in impls if n not in missing], params, xs, ys, args)
        blas = blas_description()
        if args.profile and any(n == "blockstudio.core" for n, _, _ in built):
            impl, batches = next((i, b) for n, i, b in built if n == "blockstudio.core")
            profile_blockstudio(impl, batches, top=30)

    print_report(args, built, missing, times, check, blas, torch_note)


def print_report(args, built, missing, times, check, blas, torch_note):
    samples = args.steps * args.batch_size
    print(f"\nMLP {'-'.join(map(str, LAYERS))} relu, softmax CE, SGD lr {LEARNING_RATE}, "
          f"batch {args.batch_size}; real MNIST ({samples} training images)")
    print(f"{args.repeats} repetitions x {args.steps} steps, interleaved, after {args.warmup} "
          f"warmup steps; python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"threads: {blas}")
    print()
    print(f"{'implementation':<22}{'samples/s':>12}{'us/step':>10}{'min':>10}{'max':>10}"
          f"{'|w - w_numpy|':>16}")
    rate = {}
    for name, _, _ in built:
        rates = [samples / t for t in times[name]]
        rate[name] = statistics.median(rates)
        dw = f"{check[name]:.1e}" if name in check else "reference"
        print(f"{name:<22}{rate[name]:>12,.0f}{1e6 * args.batch_size / rate[name]:>10.0f}"
              f"{min(rates):>10,.0f}{max(rates):>10,.0f}{dw:>16}")
    for name, error in missing.items():
        print(f"{name:<22}  not measured: {error}")
    if not any(n.startswith("torch") for n, _, _ in built) and "torch" not in " ".join(missing):
        print(f"{'torch':<22}  {torch_note}")
    print("(|w - w_numpy|: largest weight difference from the numpy reference after 20 steps "
          "from the same start)\n")
    bs, ref = rate.get("blockstudio.core"), rate.get("numpy (by hand)")
    if bs and ref:
        overhead = 1e6 * args.batch_size * (1 / bs - 1 / ref)
        print(f"blockstudio / numpy: {bs / ref:.2f}x (target >= 0.85x); "
              f"framework overhead {overhead:.0f} us/step")
    for name in rate:
        if bs and name.startswith("torch"):
            print(f"blockstudio / torch: {bs / rate[name]:.2f}x (target > 1x)")
        if ref and name.startswith("torch"):
            print(f"numpy / torch:       {ref / rate[name]:.2f}x")


if __name__ == "__main__":
    main()
