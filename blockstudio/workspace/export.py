"""Export a project as one self-contained Python script written the way the tutorial writes code.

The script builds the same network with ``nn.Sequential`` and ``name_scope``, reads MNIST
with ``DataLoader(MNIST(...))`` and trains with ``autograd.record()`` and a ``Trainer``, in
the same order as the app's run (``training.py``), so with the project's seed it reaches
the very same parameters. It holds out the same validation images (chosen by the seed, as
``validation.py`` chooses them), stops early after the same epoch, prints loss and accuracies
(validation's too) after each epoch and saves the parameters (never over an existing file
unless ``--output`` names it); ``--epochs``, ``--batch-size``, ``--validation``, ``--patience``,
``--data``, ``--limit`` and ``--output`` override. It holds no path of this
machine: the data are found as the core finds them, or given with ``--data``.

>>> print(script_text(Document(layers=[LayerSpec("a", "Dense", default_settings("Dense"))])))  # doctest: +SKIP
"""

import os
import shlex
import sys
from pathlib import Path

from blockstudio.core.fileio import atomic_write
from blockstudio.workspace.layers import kind as layer_kind, literal as _literal
from blockstudio.workspace.shapes import moves_channels_first, network_input_shape
from blockstudio.workspace.spec import LAYER_KINDS, OPTIMIZERS
from blockstudio.workspace.training import optimizer_params

_HEADER = '''\
#!/usr/bin/env python3
"""Train {title} on {dataset_title} with blockstudio.core, as in the Gluon tutorials.

Exported from blockstudio. With the same seed this script repeats the app's training run
exactly. It needs Python 3.10+ with numpy, threadpoolctl and blockstudio installed. Usage:

    python {script} [--epochs N] [--batch-size N] [--validation N] [--patience N] [--data DIR]
        [--limit N] [--output FILE]
"""

import argparse
import os
import sys

try:
    import numpy as np
    from threadpoolctl import threadpool_limits

    import blockstudio.core as mx
    from blockstudio.core import autograd, gluon, nd
except ImportError as error:
    sys.exit("error: %s. This script needs numpy, threadpoolctl and blockstudio: "
             "pip install numpy threadpoolctl, then install blockstudio (pip install PATH-TO-BLOCKSTUDIO)."
             % error)

PROJECT = {project}
EPOCHS = {epochs}
BATCH_SIZE = {batch_size}
SEED = {seed}
# Training images held out, chosen by SEED, to measure each epoch on (0: none).
VALIDATION = {validation}
# Stop after this many epochs without a better validation accuracy (0: never stop early).
PATIENCE = {patience}
INPUT_SHAPE = {input_shape}  # the shape of one batch, batch first
# The folder holding the {dataset_title} .gz files: None looks in $BLOCKSTUDIO_DATA and the
# user's data folder (and downloads the files there if they are missing); --data overrides.
DATA_DIR = None
# Where the trained parameters go unless --output says otherwise (never over an existing file).
OUTPUT = {output}
'''

_BODY = '''

def whole_number(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, got %s" % text)
    return value


def count(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more, got %s" % text)
    return value


def parse_args():
    parser = argparse.ArgumentParser(description={description})
    parser.add_argument("--epochs", type=whole_number, default=EPOCHS,
                        help="passes over the training set")
    parser.add_argument("--batch-size", type=whole_number, default=BATCH_SIZE,
                        help="images per training step")
    parser.add_argument("--validation", type=count, default=VALIDATION,
                        help="training images held out to measure each epoch on (0: none)")
    parser.add_argument("--patience", type=count, default=PATIENCE,
                        help="stop after this many epochs without a better validation accuracy (0: never)")
    parser.add_argument("--data", default=DATA_DIR, help="folder holding the {dataset_title} .gz files")
    parser.add_argument("--limit", type=whole_number, default=None,
                        help="use only the first N training, validation and test images (a quick check)")
    parser.add_argument("--output", default=None,
                        help="where to save the trained parameters (default %s; an existing file is replaced "
                             "only when named here)" % OUTPUT.replace("%", "%%"))
    args = parser.parse_args()
    if args.patience and not args.validation:
        parser.error("--patience needs a validation split (--validation N)")
    return args


def transform(data, label):
{transform_body}


def build_network():
    net = gluon.nn.Sequential()
    with net.name_scope():
{layers}
    return net


def evaluate_accuracy(data_iterator, net):
    correct, total = 0, 0
    for data, label in data_iterator:
        output = net(data)
        predictions = nd.argmax(output, axis=1)
        correct += int(nd.sum(predictions == label).asscalar())
        total += data.shape[0]
    return correct / total


def evaluate_loss_and_accuracy(data_iterator, net, loss_fn):
    total_loss, correct, total = 0.0, 0, 0
    for data, label in data_iterator:
        output = net(data)
        total_loss += float(nd.sum(loss_fn(output, label)).asscalar())
        correct += int(nd.sum(nd.argmax(output, axis=1) == label).asscalar())
        total += data.shape[0]
    return total_loss / total, correct / total


def main():
    args = parse_args()
    output_file = args.output or OUTPUT
    if args.output is None and os.path.exists(output_file):
        sys.exit("error: %s already exists; name it with --output to replace it, or choose another file"
                 % output_file)
    threadpool_limits(1)  # one BLAS thread: faster on matrices this small, and the app's arithmetic
    mx.random.seed(SEED)  # the initial weights and each epoch's shuffle come from this seed
    ctx = mx.cpu()

    net = build_network()
    net.collect_params().initialize({initializer}, ctx=ctx)
    # One batch of zeros gives every parameter its shape and initial value now, straight from
    # SEED and before the data is shuffled: the values the app shows after Pass one batch.
    net(nd.zeros(INPUT_SHAPE))

    try:
        train_set = gluon.data.vision.{dataset_class}(root=args.data, train=True, transform=transform)
        test_set = gluon.data.vision.{dataset_class}(root=args.data, train=False, transform=transform)
    except (OSError, ValueError) as error:  # missing, damaged or undownloadable files
        raise SystemExit("error: %s" % error)
    valid_set = None
    if args.validation:
        if args.validation >= len(train_set):
            sys.exit("error: cannot hold out %d of %d training images" % (args.validation, len(train_set)))
        # The held-out images are chosen by SEED with a generator of their own: the initial
        # values and the shuffles are the same with or without a validation split.
        order = np.random.default_rng(SEED).permutation(len(train_set))
        valid_set = train_set.sample(np.sort(order[:args.validation]))
        train_set = train_set.sample(np.sort(order[args.validation:]))
    if args.limit:
        train_set, test_set = train_set.take(args.limit), test_set.take(args.limit)
        valid_set = valid_set.take(args.limit) if valid_set is not None else None
    train_data = gluon.data.DataLoader(train_set, args.batch_size, shuffle=True)
    test_data = gluon.data.DataLoader(test_set, args.batch_size, shuffle=False)
    if valid_set is not None:
        valid_data = gluon.data.DataLoader(valid_set, args.batch_size, shuffle=False)

    softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), {optimizer}, {optimizer_params})

    best_epoch, best_accuracy, waited = None, None, 0
    for epoch in range(args.epochs):
        cumulative_loss, correct, seen = 0.0, 0, 0
        for data, label in train_data:
            with autograd.record():
                output = net(data)
                loss = softmax_cross_entropy(output, label)
            loss.backward()
            trainer.step(data.shape[0])
            cumulative_loss += float(nd.sum(loss).asscalar())
            correct += int(nd.sum(nd.argmax(output, axis=1) == label).asscalar())
            seen += data.shape[0]
        test_accuracy = evaluate_accuracy(test_data, net)
        line = ("Epoch %d: loss %.6f, train accuracy %.4f, test accuracy %.4f"
                % (epoch + 1, cumulative_loss / seen, correct / seen, test_accuracy))
        if valid_set is None:
            print(line)
            continue
        valid_loss, valid_accuracy = evaluate_loss_and_accuracy(valid_data, net, softmax_cross_entropy)
        print(line + ", validation loss %.6f, validation accuracy %.4f" % (valid_loss, valid_accuracy))
        if best_epoch is None or valid_accuracy > best_accuracy:  # a tie keeps the earlier epoch
            best_epoch, best_accuracy, waited = epoch + 1, valid_accuracy, 0
        else:
            waited += 1
        if args.patience and waited >= args.patience and epoch + 1 < args.epochs:
            print("Stopped early: no better validation accuracy for %d epochs" % waited)
            break
    if best_epoch is not None:
        print("Best epoch: %d (validation accuracy %.4f)" % (best_epoch, best_accuracy))

    net.save_parameters(output_file)
    print("Saved the parameters to", output_file)


if __name__ == "__main__":
    main()
'''


def layer_code(layer):
    """One ``gluon.nn`` constructor call as a person would write it (defaults left out).

    The kind is checked against the known ones and every setting is checked again by the
    kind's declaration (whole numbers, known choices) before it is written with ``_literal``,
    so no setting, however odd, can change the code around it.
    """
    if layer.kind not in LAYER_KINDS:
        raise ValueError(f"cannot export a layer of unknown type {layer.kind!r}")
    declared = layer_kind(layer.kind)
    return declared.code(declared.coerce_all(layer.settings))


def initializer_code(training):
    if training.initializer == "xavier":
        return f"mx.init.Xavier(magnitude={_literal(training.init_magnitude)})"
    if training.initializer == "uniform":
        return f"mx.init.Uniform(scale={_literal(training.init_scale)})"
    if training.initializer == "normal":
        return f"mx.init.Normal(sigma={_literal(training.init_scale)})"
    raise ValueError(f"cannot export the initializer {training.initializer!r}")


def default_output(script_name):
    """The script's default parameters file: ``<script>-trained.npz``.

    A project saves its parameters as ``<project>.parameters[.N].npz``; this name can never be
    one of those, so running the script beside a project never replaces its trained values.
    """
    stem = os.path.splitext(os.path.basename(os.fspath(script_name)))[0] or "train"
    return f"{stem}-trained.npz"


def script_text(doc, project_name=None, script_name="train.py"):
    """The whole script for ``doc`` (a ``history.Document``) as a string.

    Names (the project's, the script's) are user text: in code they appear only as string
    literals (``_literal``); in the docstring only in a form reduced to safe characters.
    """
    t = doc.training
    dataset_title = "Fashion-MNIST" if t.dataset == "fashion-mnist" else "MNIST"
    stem = os.path.splitext(project_name)[0] if project_name else ""
    script = os.path.basename(os.fspath(script_name))
    shown_title = _docstring_safe(stem)
    shown_script = _docstring_safe(script)
    fields = dict(
        title=f'"{shown_title}"' if shown_title else "a network", dataset_title=dataset_title,
        script=shown_script if shown_script == script and script else "this_script.py",
        project=_literal(project_name), epochs=_literal(_whole(t.epochs)),
        batch_size=_literal(_whole(t.batch_size)), seed=_literal(_whole(t.seed)),
        validation=_literal(_whole(t.validation)), patience=_literal(_whole(t.patience)),
        input_shape="(" + "".join(_literal(_whole(d)) + ", " for d in network_input_shape(doc)).rstrip() + ")",
        output=_literal(default_output(script)),
        layers="\n".join(f"        net.add({layer_code(layer)})" for layer in doc.layers) or "        pass",
        initializer=initializer_code(t),
        dataset_class="FashionMNIST" if t.dataset == "fashion-mnist" else "MNIST",
        optimizer=_literal(_choice(t.optimizer, OPTIMIZERS)), optimizer_params=_dict_code(optimizer_params(t)),
    )
    # argparse %-formats help texts: the description holds only the reduced name (no "%").
    if moves_channels_first(doc):
        # As the Gluon tutorials do for convolutions: images (28, 28, 1) arrive channels first.
        fields["transform_body"] = (
            "    # Conv2D takes images channels first: (28, 28, 1) becomes (1, 28, 28)\n"
            "    # (and a batch (N, 28, 28, 1) becomes (N, 1, 28, 28)).\n"
            "    return nd.moveaxis(data.astype(np.float32) / 255, -1, -3), label.astype(np.float32)")
    else:
        fields["transform_body"] = "    return data.astype(np.float32) / 255, label.astype(np.float32)"
    fields["description"] = _literal(f"Train {fields['title']} on {dataset_title}.")
    return _HEADER.format(**fields) + _BODY.format(**fields)


def write_script(path, doc, project_name=None):
    """Write the script atomically; it is valid Python by construction (checked by compiling)."""
    text = script_text(doc, project_name, os.path.basename(os.fspath(path)))
    compile(text, os.fspath(path), "exec")
    from blockstudio.workspace.savepair import clean_stale_temp_files

    clean_stale_temp_files(os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    with atomic_write(path, "wb") as f:
        f.write(text.encode("utf-8"))
    try:
        os.chmod(path, 0o755)
    except OSError:
        pass


def run_instructions(script_path, data_folder=None):
    """What to tell the user after an export: the exact command that runs the script here (this
    interpreter, which has every package it needs), and what to install elsewhere.

    ``data_folder``: where this machine keeps the dataset when the script would not find it by
    itself; the command passes it as ``--data`` (the script holds no machine-specific path).
    """
    command = [sys.executable, os.path.abspath(os.fspath(script_path))]
    if data_folder:
        command += ["--data", os.path.abspath(os.fspath(data_folder))]
    return (f"Run it here with:  {' '.join(shlex.quote(part) for part in command)}\n"
            f"Elsewhere it needs Python 3.10+ with numpy, threadpoolctl and blockstudio: "
            f"pip install numpy threadpoolctl {shlex.quote(_blockstudio_source())}")


def script_data_folder(training):
    """The data folder to pass as ``--data`` in ``run_instructions``: the one this app would train
    from, unless the script finds the same files by itself ($BLOCKSTUDIO_DATA, user data folder)."""
    from blockstudio.core.gluon.data.vision import find_mnist_folder
    from blockstudio.workspace.data import find_data_folder

    folder = find_data_folder(training.dataset, training.data_dir)
    if folder is None:
        return None
    try:
        own = find_mnist_folder(training.dataset)
    except (OSError, ValueError):
        own = None
    if own and os.path.realpath(own) == os.path.realpath(folder):
        return None
    return folder


def _blockstudio_source():
    """What ``pip install`` needs for blockstudio: this source checkout when it is one."""
    root = Path(__file__).resolve().parents[2]
    return str(root) if (root / "pyproject.toml").is_file() else "blockstudio"


def _docstring_safe(text):
    """``text`` with every character that could end or bend a docstring replaced by ``_``:
    kept are letters, digits and `` .,-+()_`` only."""
    return "".join(ch if ch.isalnum() or ch in " .,-+()_" else "_" for ch in text or "")


def _whole(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(value)


def _choice(value, choices):
    if value not in choices:
        raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
    return value


def _dict_code(params):
    return "{" + ", ".join(f"{_literal(_choice(key, _OPTIMIZER_KEYS))}: {_literal(value)}"
                           for key, value in params.items()) + "}"


_OPTIMIZER_KEYS = ("learning_rate", "momentum", "wd")
