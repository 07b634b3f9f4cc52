"""The ``blockstudio`` command: the app, and headless ``train`` and ``export``.

    blockstudio                          open the window
    blockstudio PROJECT.bsproj           open the window on a project
    blockstudio train PROJECT.bsproj [--epochs N] [--batch-size N] [--validation N] [--patience N]
                                     [--data DIR] [--limit N]
                                         train on MNIST, save the parameters beside the project
    blockstudio export PROJECT.bsproj -o script.py
                                         write a self-contained training script
    blockstudio evaluate PROJECT.bsproj [--params FILE] [--data DIR] [--json]
                                         accuracy, loss, per-class figures, confusion matrix

Problems (a bad argument, a damaged project, missing data) print one ``blockstudio: error:``
line on stderr and exit non-zero: 2 for a bad command line, 1 for anything else.
"""

import argparse
import os
import queue
import sys
import time

from blockstudio import __version__

USAGE_ERROR, FAILURE, INTERRUPTED = 2, 1, 130

HELP = """usage: blockstudio [PROJECT.bsproj]
       blockstudio train PROJECT.bsproj [--epochs N] [--batch-size N] [--validation N] [--patience N]
                         [--data DIR] [--limit N] [--resume] [-o FILE]
       blockstudio export PROJECT.bsproj -o SCRIPT.py
       blockstudio evaluate PROJECT.bsproj [--params FILE] [--data DIR] [--json]

Compose, train and understand neural networks. Without a command, opens the window
(on PROJECT when given). 'blockstudio train --help' and 'blockstudio export --help' say more."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse's default prints the whole usage first)."""

    def error(self, message):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _whole_at_least(minimum):
    """An argparse ``type`` for whole numbers of at least ``minimum``, with a one-line reason."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {minimum}, got {value}")
        return value
    return parse


_positive = _whole_at_least(1)
_count = _whole_at_least(0)


def _fail(message, code=FAILURE):
    """Print ``message`` as one error line (multi-line messages are joined) and return ``code``."""
    text = " ".join(line.strip() for line in str(message).splitlines() if line.strip())
    print(f"blockstudio: error: {text}", file=sys.stderr)
    return code


def _describe(error):
    """An unexpected exception as a sentence: its message, or what its type means."""
    meaning = {RecursionError: "the file is nested too deeply", MemoryError: "not enough memory",
               OverflowError: "a number is too large", SyntaxError: "the generated script is not valid Python"}
    for kind, text in meaning.items():
        if isinstance(error, kind):
            return f"{text} ({type(error).__name__}: {error})" if str(error) else text
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def main(argv=None):
    """Run the command; returns the exit code.

    Any error the commands do not report themselves (RecursionError, MemoryError, ...) is still
    one ``blockstudio: error:`` line and exit status 1, never a traceback.
    """
    try:
        return _main(argv)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, non-zero
        return _fail(_describe(error))


def _main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "train":
        return train_command(argv[1:])
    if argv and argv[0] == "export":
        return export_command(argv[1:])
    if argv and argv[0] == "evaluate":
        return evaluate_command(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print(HELP)
        return 0
    if argv and argv[0] == "--version":
        print(f"blockstudio {__version__}")
        return 0
    return gui_command(argv)


def gui_command(argv):
    """Open the window; a project given on the command line is checked first, so a bad one fails here."""
    from blockstudio.workspace.project import read_project
    from blockstudio.workspace.errors import ProjectFileError

    positional = [arg for arg in argv if not arg.startswith("-")]
    if len(positional) > 1:
        return _fail(f"give at most one project to open, got {len(positional)}: {' '.join(positional)}",
                     USAGE_ERROR)
    if positional:
        try:
            read_project(positional[0], lambda: "check")
        except ProjectFileError as error:
            return _fail(error)
    if sys.platform.startswith("linux") and not any(
            os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        # Qt would abort the whole process with a long message; say it in one line instead.
        return _fail("no display to open the window on (DISPLAY is not set). Run it in a desktop session, "
                     "or use 'blockstudio train' / 'blockstudio export', which need no window.")
    try:
        from blockstudio.ui import app
    except ImportError as error:
        return _fail(f"the window cannot start: {error}. Check that PySide6 and pyqtgraph are installed, "
                     f"or use 'blockstudio train' / 'blockstudio export' without a window.")
    return app.main(argv)


def export_command(argv):
    from blockstudio.workspace.errors import ProjectFileError
    from blockstudio.workspace.export import run_instructions, script_data_folder, write_script
    from blockstudio.workspace.project import read_project

    parser = _Parser(prog="blockstudio export",
                     description="Write a self-contained Python script that builds and trains the project's "
                                 "network with blockstudio.core, the tutorial's way.")
    parser.add_argument("project", help="the .bsproj project")
    parser.add_argument("-o", "--output", required=True, help="the script to write, e.g. train_mlp.py")
    args = parser.parse_args(argv)
    try:
        # The script needs the network and settings only: the parameters file is never read.
        data = read_project(os.path.abspath(args.project), lambda: "layer")
        write_script(args.output, data.document, project_name=os.path.basename(args.project))
    except ProjectFileError as error:
        return _fail(error)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}")
    except Exception as error:  # noqa: BLE001 - any other failure is one line too, not a traceback
        return _fail(f"cannot export {args.project}: {_describe(error)}")
    print(f"Wrote {args.output}.")
    print(run_instructions(args.output, script_data_folder(data.document.training)))
    return 0


def evaluate_command(argv):
    """Evaluate the project's recorded parameters (or --params) on the test set."""
    import json

    from blockstudio.workspace import Workspace
    from blockstudio.workspace.errors import ParameterLoadError, ProjectFileError, SettingError

    parser = _Parser(prog="blockstudio evaluate",
                     description="Evaluate the project's network on the test set: accuracy, loss, per-class "
                                 "precision and recall, and the confusion matrix (rows: true class, columns: "
                                 "predicted).")
    parser.add_argument("project", help="the .bsproj project")
    parser.add_argument("--params", metavar="FILE",
                        help="parameters to evaluate (.npz or MXNet .params) instead of the project's own")
    parser.add_argument("--data", metavar="DIR", help="folder holding the MNIST .gz files")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.data is not None and not os.path.isdir(args.data):
        return _fail(f"--data {args.data}: no such folder", USAGE_ERROR)
    ws = Workspace()
    try:
        for warning in ws.open(args.project):
            print(f"blockstudio: warning: {warning}", file=sys.stderr)
        if args.params:
            ws.load_parameters(args.params)
        elif not ws.has_trained_parameters:
            return _fail(f"{os.path.basename(args.project)} has no recorded parameters to evaluate: train it "
                         f"first (blockstudio train {args.project}) or give a file with --params FILE")
        if args.data is not None:
            ws.set_training_settings(data_dir=os.path.abspath(args.data))
        result = ws.evaluate()
    except (ProjectFileError, ParameterLoadError, SettingError, ValueError) as error:
        return _fail(error)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        split = ws.test_set()
        print(result.table(split.class_names if split is not None else None))
    return 0


def train_command(argv):
    from blockstudio.workspace import Workspace
    from blockstudio.workspace.errors import ProjectFileError, SettingError, TrainingError

    parser = _Parser(prog="blockstudio train",
                     description="Train the project's network on MNIST with its settings, then save the parameters "
                                 "beside the project (and record them in it) or in --output.")
    parser.add_argument("project", help="the .bsproj project")
    parser.add_argument("--epochs", type=_positive, help="override the project's number of epochs")
    parser.add_argument("--batch-size", type=_positive, help="override the project's batch size")
    parser.add_argument("--validation", type=_count, metavar="N",
                        help="override the training images held out to measure each epoch on (0: none)")
    parser.add_argument("--patience", type=_count, metavar="N",
                        help="override early stopping: stop after N epochs without a better validation "
                             "accuracy (0: never)")
    parser.add_argument("--data", metavar="DIR", help="folder holding the MNIST .gz files")
    parser.add_argument("--limit", type=_positive, metavar="N",
                        help="use only the first N training, validation and test images (a quick check)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the project's saved parameters instead of fresh ones from the seed")
    parser.add_argument("-o", "--output", help="save the parameters here instead, leaving the project unchanged")
    args = parser.parse_args(argv)
    if args.data is not None and not os.path.isdir(args.data):
        return _fail(f"--data {args.data}: no such folder", USAGE_ERROR)

    ws = Workspace()
    try:
        project, copy = _writable_project(args.project, args.output)
        warnings = ws.open(project, as_copy=copy is not None)
        for warning in warnings:
            print(f"blockstudio: warning: {' '.join(warning.split())}", file=sys.stderr)
        overrides = {name: value for name, value in (("epochs", args.epochs), ("batch_size", args.batch_size),
                                                     ("data_dir", args.data), ("validation", args.validation),
                                                     ("patience", args.patience)) if value is not None}
        settings = ws.training_settings.replace(**overrides)
        if args.resume and not ws.has_trained_parameters:
            print("The project has no saved parameters: training fresh ones from the seed.", file=sys.stderr)
        events = queue.Queue()
        ws.events.training.connect(events.put)
        ws.start_training(restart=not args.resume, limit=args.limit, settings=settings)
    except (ProjectFileError, SettingError, TrainingError, _ExampleError) as error:
        return _fail(error)

    progress = ProgressBar(sys.stderr)
    interrupted = False
    try:
        _follow(events, settings, progress)
    except KeyboardInterrupt:
        interrupted = True
        progress.clear()
        print("Interrupted: stopping after the current step...", file=sys.stderr)
        ws.stop_training(wait=True)
        _follow(events, settings, progress)
    run = ws.last_run
    if run.reason in ("error", "diverged"):
        return _fail(run.message)
    if not run.completed_steps:
        return _fail("no training step was completed; nothing to save")
    try:
        if args.output:
            ws.save_parameters(args.output)
            where = args.output
        else:
            ws.save(copy)  # None: the project itself; for a shipped example, its copy here
            where = f"{ws.parameters_path} (recorded in {os.path.basename(ws.path)})"
    except Exception as error:  # noqa: BLE001 - MemoryError too: never "finished" with nothing saved
        return _fail(f"the parameters could not be saved: {_describe(error)}")
    print(f"{run.message} Saved the parameters to {where}")
    return INTERRUPTED if interrupted else 0


class _ExampleError(ValueError):
    """A shipped example that would be modified."""


def _writable_project(project, output):
    """``(project to open, copy path or None)``: a shipped example is never modified.

    Without ``-o``, training an example saves beside a copy in the current folder (said on
    stderr); when that copy already exists, or the current folder is the examples folder, the
    user is asked for ``-o`` instead.
    """
    from blockstudio.workspace.examples import examples_folder

    folder = examples_folder()
    if output or folder is None:
        return project, None
    real, examples = os.path.realpath(project), os.path.realpath(folder)
    if os.path.commonpath([real, examples]) != examples:
        return project, None
    copy = os.path.join(os.getcwd(), os.path.basename(project))
    if os.path.realpath(os.getcwd()) == examples or os.path.lexists(copy):
        raise _ExampleError(f"{project} is a shipped example, which blockstudio never modifies, and {copy} already "
                            f"exists: train that copy (blockstudio train {os.path.basename(project)}) or give -o FILE "
                            f"to save the parameters elsewhere")
    print(f"{project} is a shipped example, which blockstudio never modifies: the trained project will be saved "
          f"as {copy}, with its parameters beside it.", file=sys.stderr)
    return project, copy


def _follow(events, settings, progress):
    """Print progress and epoch lines until the run's "finished" event arrives."""
    epoch_started = time.perf_counter()
    while True:
        try:
            event = events.get(timeout=0.5)  # a timeout keeps Ctrl+C responsive everywhere
        except queue.Empty:
            continue
        if event.kind == "step":
            progress.show(event, settings.epochs)
        elif event.kind == "epoch":
            progress.clear()
            validation = ("" if getattr(event, "val_acc", None) is None else
                          f", validation loss {event.val_loss:.6g}, validation accuracy {event.val_acc:.4f}")
            print(f"Epoch {event.epoch}/{event.epochs}: loss {event.train_loss:.6g}, train accuracy "
                  f"{event.train_acc:.4f}, test accuracy {event.test_acc:.4f}{validation} "
                  f"({time.perf_counter() - epoch_started:.1f} s)", flush=True)
            epoch_started = time.perf_counter()
        elif event.kind == "finished":
            progress.clear()
            return event


def _loss_text(value):
    # An exploding (still finite) loss would otherwise print as twenty digits and push the bar off.
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3e}"


class ProgressBar:
    """One self-rewriting status line on a terminal; nothing at all when the stream is not one."""

    def __init__(self, stream, width=30):
        self.stream = stream
        self.width = width
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self._shown = False

    def render(self, event, epochs):
        done = event.step / event.steps_per_epoch
        filled = int(round(done * self.width))
        eta = int(round(event.eta_seconds))
        return (f"Epoch {event.epoch}/{epochs} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{event.step}/{event.steps_per_epoch}  loss {_loss_text(event.loss)}  "
                f"{event.samples_per_sec:,.0f} samples/s  ETA {eta // 60}:{eta % 60:02d}")

    def show(self, event, epochs):
        if self.enabled:
            self.stream.write("\r" + self.render(event, epochs) + "\033[K")
            self.stream.flush()
            self._shown = True

    def clear(self):
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False


if __name__ == "__main__":
    raise SystemExit(main())
