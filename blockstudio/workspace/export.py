"""Export a project as one self-contained Python script written the way the tutorial writes code.

The script builds the same network with ``nn.Sequential`` and ``name_scope``, reads MNIST
with ``DataLoader(MNIST(...))`` and trains with ``autograd.record()`` and a ``Trainer``, in
the same order as the app's run (``training.py``), so with the project's seed it reaches
the very same parameters. It prints loss and accuracies after each epoch and saves the
parameters; ``--epochs``, ``--batch-size``, ``--data``, ``--limit`` and ``--output`` override.

>>> print(script_text(Document(layers=[LayerSpec("a", "Dense", default_settings("Dense"))])))  # doctest: +SKIP
"""

import json
import os

from blockstudio.core.fileio import atomic_write
from blockstudio.workspace.layers import kind as layer_kind
from blockstudio.workspace.spec import DATASETS  # noqa: F401 - the names export understands
from blockstudio.workspace.training import optimizer_params

_HEADER = '''\
#!/usr/bin/env python3
"""Train {title} on {dataset_title} with blockstudio.core, as in the Gluon tutorials.

Exported from blockstudio{source}. With the same seed this script repeats the app's
training run exactly. Usage:

    python {script} [--epochs N] [--batch-size N] [--data DIR] [--limit N] [--output FILE]
"""

import argparse

import numpy as np
from threadpoolctl import threadpool_limits

import blockstudio.core as mx
from blockstudio.core import autograd, gluon, nd

EPOCHS = {epochs}
BATCH_SIZE = {batch_size}
SEED = {seed}
INPUT_SHAPE = {input_shape}  # the shape of one batch, batch first
# The folder holding the {dataset_title} .gz files; None looks in $BLOCKSTUDIO_DATA and the
# user's data folder (and downloads the files there if they are missing).
DATA_DIR = {data_dir}
OUTPUT = {output}
'''

_BODY = '''

def whole_number(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, got %s" % text)
    return value


def parse_args():
    parser = argparse.ArgumentParser(description={description})
    parser.add_argument("--epochs", type=whole_number, default=EPOCHS,
                        help="passes over the training set")
    parser.add_argument("--batch-size", type=whole_number, default=BATCH_SIZE,
                        help="images per training step")
    parser.add_argument("--data", default=DATA_DIR, help="folder holding the {dataset_title} .gz files")
    parser.add_argument("--limit", type=whole_number, default=None,
                        help="use only the first N training and test images (a quick check)")
    parser.add_argument("--output", default=OUTPUT, help="where to save the trained parameters")
    return parser.parse_args()


def transform(data, label):
    return data.astype(np.float32) / 255, label.astype(np.float32)


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


def main():
    args = parse_args()
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
    if args.limit:
        train_set, test_set = train_set.take(args.limit), test_set.take(args.limit)
    train_data = gluon.data.DataLoader(train_set, args.batch_size, shuffle=True)
    test_data = gluon.data.DataLoader(test_set, args.batch_size, shuffle=False)

    softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), {optimizer}, {optimizer_params})

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
        print("Epoch %d: loss %.6f, train accuracy %.4f, test accuracy %.4f"
              % (epoch + 1, cumulative_loss / seen, correct / seen, test_accuracy))

    net.save_parameters(args.output)
    print("Saved the parameters to", args.output)


if __name__ == "__main__":
    main()
'''


def layer_code(layer):
    """One ``gluon.nn`` constructor call as a person would write it (defaults left out)."""
    return layer_kind(layer.kind).code(layer.settings)


def initializer_code(training):
    if training.initializer == "xavier":
        return f"mx.init.Xavier(magnitude={training.init_magnitude!r})"
    if training.initializer == "uniform":
        return f"mx.init.Uniform(scale={training.init_scale!r})"
    return f"mx.init.Normal(sigma={training.init_scale!r})"


def script_text(doc, project_name=None, script_name="train.py"):
    """The whole script for ``doc`` (a ``history.Document``) as a string."""
    t = doc.training
    dataset_title = "Fashion-MNIST" if t.dataset == "fashion-mnist" else "MNIST"
    # The name lands inside a docstring: keep quotes and backslashes from ending it early.
    title = os.path.splitext(project_name)[0].replace("\\", "/").replace('"', "'") if project_name else ""
    stem = os.path.splitext(os.path.basename(script_name))[0]
    fields = dict(
        title=f'"{title}"' if title else "a network", dataset_title=dataset_title,
        source=f" (project {project_name})" if project_name else "", script=os.path.basename(script_name),
        epochs=t.epochs, batch_size=t.batch_size, seed=t.seed, input_shape=repr(tuple(doc.input_shape)),
        data_dir=_data_dir_code(t), output=_str(f"{stem}.parameters.npz"),
        layers="\n".join(f"        net.add({layer_code(layer)})" for layer in doc.layers) or "        pass",
        initializer=initializer_code(t),
        dataset_class="FashionMNIST" if t.dataset == "fashion-mnist" else "MNIST",
        optimizer=_str(t.optimizer), optimizer_params=_dict_code(optimizer_params(t)),
    )
    fields["description"] = _str(f"Train {fields['title']} on {dataset_title}.")
    return _HEADER.format(**fields) + _BODY.format(**fields)


def write_script(path, doc, project_name=None):
    """Write the script atomically; it is valid Python by construction (checked by compiling)."""
    text = script_text(doc, project_name, os.path.basename(os.fspath(path)))
    compile(text, os.fspath(path), "exec")
    with atomic_write(path, "wb") as f:
        f.write(text.encode("utf-8"))
    try:
        os.chmod(path, 0o755)
    except OSError:
        pass


def _data_dir_code(training):
    """DATA_DIR's value: the project's folder, else the one the app uses when core would miss it.

    With no folder set the app also searches ``../shared/datasets`` beside a source checkout,
    which core's MNIST does not: a script exported from such an app found no data at all
    when run from another folder (and tried to download). Name that folder explicitly.
    """
    if training.data_dir is not None:
        return _str(training.data_dir)
    from blockstudio.workspace.data import checkout_datasets_folder, find_data_folder

    folder = find_data_folder(training.dataset)
    checkout = os.path.abspath(checkout_datasets_folder())
    if folder and os.path.abspath(folder).startswith(checkout + os.sep):
        return _str(folder)
    return "None"


def _str(text):
    """A double-quoted Python string literal (JSON's escapes are Python's too)."""
    return json.dumps(text)


def _dict_code(params):
    return "{" + ", ".join(f'"{key}": {value!r}' for key, value in params.items()) + "}"
