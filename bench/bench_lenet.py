"""LeNet training throughput: blockstudio.core against PyTorch CPU, in one process, and memory.

The network of the Gluon LeNet chapter: Conv2D(20, 5, relu), MaxPool2D(2, 2), Conv2D(50, 5, relu),
MaxPool2D(2, 2), Flatten, Dense(128, relu), Dense(10); softmax cross-entropy, SGD lr 0.05 with
momentum 0.9, batch 64, on real MNIST through the tutorial's data pipeline:

    DataLoader(MNIST(train=True, transform=<to float32 / 255, HWC -> CHW>), 64, shuffle=True)

Measured, interleaved in each repetition so that noise from other processes hits all alike:

  (a) blockstudio.core, the whole loop: loading, record(), forward, loss, backward(), step(64)
  (b) blockstudio.core, the training steps alone, on the same batches prepared beforehand
  (c) PyTorch CPU (if installed), the same network, weights, batches and optimizer: steps alone
  (d) with --mxnet PYTHON: real MXNet 1.9.1 run by that interpreter (tools/mxnet_lenet_speed.py),
      the same network, optimizer and transform, whole loop and steps alone, 1 OpenMP thread

PyTorch's own loader (torchvision) is not used: (a) against (c) is blockstudio's whole loop
against PyTorch's bare steps, the conservative comparison. The memory line is tracemalloc's peak
over blockstudio steps (numpy's allocations are traced) and the process's maximum RSS.

    python bench/bench_lenet.py                    # 200 batches x 3 repetitions
    python bench/bench_lenet.py --epoch            # one whole epoch each, once
    python bench/bench_lenet.py --profile          # also: where blockstudio's time goes
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "datasets" / "mnist"
sys.path.insert(0, str(REPO))

LEARNING_RATE, MOMENTUM = 0.05, 0.9


def transform(data, label):
    """The tutorial's transform for a convolutional network: pixels to [0, 1], HWC to CHW."""
    from blockstudio.core import nd
    return nd.transpose(data.astype("float32") / 255, (2, 0, 1)), label


class Blockstudio:
    def __init__(self, data_dir, batch_size, seed=0):
        import blockstudio.core as mx
        from blockstudio.core import autograd, gluon, nd
        from blockstudio.core.gluon import nn

        mx.random.seed(seed)
        self.mx, self.autograd, self.nd, self.batch_size = mx, autograd, nd, batch_size
        net = nn.Sequential()
        with net.name_scope():
            net.add(nn.Conv2D(20, kernel_size=5, activation="relu"),
                    nn.MaxPool2D(pool_size=2, strides=2),
                    nn.Conv2D(50, kernel_size=5, activation="relu"),
                    nn.MaxPool2D(pool_size=2, strides=2),
                    nn.Flatten(),
                    nn.Dense(128, activation="relu"),
                    nn.Dense(10))
        net.initialize(mx.init.Xavier(magnitude=2.24))
        net(nd.zeros((1, 1, 28, 28)))                  # resolve the deferred shapes
        self.net = net
        self.loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        self.trainer = gluon.Trainer(net.collect_params(), "sgd",
                                     {"learning_rate": LEARNING_RATE, "momentum": MOMENTUM})
        self.dataset = gluon.data.vision.MNIST(root=str(data_dir), train=True,
                                               transform=transform)
        self.loader = gluon.data.DataLoader(self.dataset, batch_size, shuffle=True,
                                            last_batch="discard")

    def weights(self):
        return [p.data().asnumpy() for p in self.net.collect_params().values()]

    def step(self, data, label):
        with self.autograd.record():
            loss = self.loss_fn(self.net(data), label)
        loss.backward()
        self.trainer.step(self.batch_size)
        return loss

    def whole_loop(self, n_batches):
        """The tutorial's loop over the DataLoader, ``n_batches`` batches; returns seconds."""
        start = time.perf_counter()
        for i, (data, label) in enumerate(self.loader):
            if i == n_batches:
                break
            self.step(data, label)
        return time.perf_counter() - start

    def batches(self, n_batches):
        out = []
        for i, (data, label) in enumerate(self.loader):
            if i == n_batches:
                break
            out.append((data, label))
        return out

    def steps(self, batches):
        start = time.perf_counter()
        for data, label in batches:
            self.step(data, label)
        return time.perf_counter() - start


class Torch:
    def __init__(self, weights, threads):
        import torch

        torch.set_num_threads(threads)
        self.torch = torch
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 20, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2),
            torch.nn.Conv2d(20, 50, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2),
            torch.nn.Flatten(), torch.nn.Linear(800, 128), torch.nn.ReLU(),
            torch.nn.Linear(128, 10))
        with torch.no_grad():
            for param, value in zip(self.net.parameters(), weights, strict=True):
                param.copy_(torch.from_numpy(value))
        # Mean over the batch: the same gradient as Gluon's summed loss with step(batch_size).
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=LEARNING_RATE,
                                         momentum=MOMENTUM)

    def weights(self):
        return [p.detach().numpy().copy() for p in self.net.parameters()]

    def prepare(self, batches):
        return [(self.torch.from_numpy(d.asnumpy()), self.torch.from_numpy(
            l.asnumpy().astype(np.int64))) for d, l in batches]

    def steps(self, batches):
        start = time.perf_counter()
        for data, label in batches:
            self.optimizer.zero_grad(set_to_none=True)
            self.loss_fn(self.net(data), label).backward()
            self.optimizer.step()
        return time.perf_counter() - start


def blas_description():
    return "; ".join(f"{lib['internal_api']} {lib.get('version') or ''} "
                     f"({os.path.basename(lib['filepath'])}): {lib['num_threads']} thread(s)"
                     for lib in threadpool_info())


def memory_peak(model, batches):
    """tracemalloc's peak, in MiB, over training steps on ``batches`` (after one warm step)."""
    model.steps(batches[:1])
    tracemalloc.start()
    model.steps(batches)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def agreement(data_dir, args, batches):
    """Both frameworks from the same weights over the same 20 batches: largest weight gap."""
    ours = Blockstudio(data_dir, args.batch_size)
    start = ours.weights()
    theirs = Torch(start, args.threads)
    ours.steps(batches)
    theirs.steps(theirs.prepare(batches))
    moved = max(float(np.abs(a - b).max()) for a, b in zip(ours.weights(), start))
    gap = max(float(np.abs(a - b).max()) for a, b in zip(ours.weights(), theirs.weights()))
    return gap, moved


def mxnet_rates(python, data_dir, n_batches):
    """(whole loop, steps) samples/s of real MXNet, run by the interpreter ``python``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MXNET_CPU_WORKER_NTHREADS="1",
               MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([python, str(REPO / "tools" / "mxnet_lenet_speed.py"), str(data_dir),
                          str(n_batches)], capture_output=True, text=True, env=env, check=True)
    loop, steps = out.stdout.split()[-2:]
    return float(loop), float(steps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=200, help="batches per repetition")
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions")
    parser.add_argument("--epoch", action="store_true",
                        help="one whole epoch (937 batches), once, instead")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", type=Path, default=DEFAULT_MNIST, help="folder with MNIST")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--profile", action="store_true", help="cProfile blockstudio's steps")
    parser.add_argument("--mxnet", metavar="PYTHON",
                        help="also time real MXNet, run by this interpreter "
                             "(e.g. ~/mxv/bin/python)")
    args = parser.parse_args(argv)
    if args.epoch:
        args.batches, args.repeats = 60000 // args.batch_size, 1

    torch_note = "not run (--no-torch)"
    have_torch = False
    if not args.no_torch:
        try:
            import torch  # noqa: F401
            have_torch = True
        except ImportError:
            torch_note = "not installed"

    with threadpool_limits(limits=args.threads):
        ours = Blockstudio(args.data, args.batch_size)
        theirs = Torch(ours.weights(), args.threads) if have_torch else None
        prepared = ours.batches(args.batches)
        torch_batches = theirs.prepare(prepared) if theirs else None
        # warm-up, untimed
        ours.steps(prepared[:5])
        if theirs:
            theirs.steps(torch_batches[:5])
        times = {"loop": [], "steps": [], "torch": []}
        mx_rates = []
        for _ in range(args.repeats):
            times["loop"].append(ours.whole_loop(args.batches))
            times["steps"].append(ours.steps(prepared))
            if theirs:
                times["torch"].append(theirs.steps(torch_batches))
            if args.mxnet:
                mx_rates.append(mxnet_rates(args.mxnet, args.data, args.batches))
        gap, moved = agreement(args.data, args, prepared[:20]) if theirs else (None, None)
        peak = memory_peak(Blockstudio(args.data, args.batch_size), prepared[:10])
        blas = blas_description()
        if args.profile:
            import cProfile
            import pstats
            profiler = cProfile.Profile()
            profiler.runcall(ours.steps, prepared[:50])
            pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(20)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    samples = args.batches * args.batch_size
    rate = {k: statistics.median(samples / t for t in v) for k, v in times.items() if v}
    print(f"\nLeNet, batch {args.batch_size}, SGD lr {LEARNING_RATE} momentum {MOMENTUM}; "
          f"real MNIST, {args.batches} batches x {args.repeats} repetitions, interleaved")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; threads: {blas}\n")
    print(f"{'what':<52}{'samples/s':>12}{'ms/batch':>10}")
    rows = [("blockstudio.core, whole loop (DataLoader + steps)", "loop"),
            ("blockstudio.core, steps only", "steps")]
    if theirs:
        import torch
        rows.append((f"torch {torch.__version__}, steps only", "torch"))
    if mx_rates:
        rate["mx_loop"] = statistics.median(r[0] for r in mx_rates)
        rate["mx_steps"] = statistics.median(r[1] for r in mx_rates)
        rows += [("mxnet 1.9.1, whole loop (its DataLoader + steps)", "mx_loop"),
                 ("mxnet 1.9.1, steps only", "mx_steps")]
    for label, key in rows:
        print(f"{label:<52}{rate[key]:>12,.0f}{1e3 * args.batch_size / rate[key]:>10.1f}")
    if not theirs:
        print(f"{'torch':<52}  {torch_note}")
    print()
    if theirs:
        print(f"blockstudio whole loop / torch steps: {rate['loop'] / rate['torch']:.2f}x "
              f"(goal >= 0.7x)")
        print(f"blockstudio steps / torch steps:      {rate['steps'] / rate['torch']:.2f}x")
        print(f"largest weight difference from torch after 20 steps from the same start: "
              f"{gap:.1e} (the weights moved by up to {moved:.1e})")
    if mx_rates:
        print(f"blockstudio whole loop / mxnet whole loop: {rate['loop'] / rate['mx_loop']:.2f}x "
              f"(goal > 1x); steps / steps: {rate['steps'] / rate['mx_steps']:.2f}x")
    else:
        print(f"blockstudio whole loop: {rate['loop']:,.0f} samples/s (goal: ahead of real MXNet "
              f"1.9.1's ~2,100 on the reference machine; --mxnet to measure it here)")
    print(f"memory: tracemalloc peak over blockstudio steps {peak:.1f} MiB; "
          f"process max RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
