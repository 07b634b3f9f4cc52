"""MNIST / Fashion-MNIST: the real files, where they are looked for, and every way a file can be bad."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from blockstudio.core import random as mx_random
from blockstudio.core.ndarray import NDArray
from blockstudio.core.gluon.data import DataLoader
from blockstudio.core.gluon.data.vision import (DatasetFileError, DatasetNotFoundError, FashionMNIST, MNIST,
                                                find_mnist_folder, read_idx)



@pytest.fixture(autouse=True)
def isolated_locations(tmp_path, monkeypatch):
    """No test here may find the developer's own files or reach the internet."""
    monkeypatch.delenv("BLOCKSTUDIO_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("BLOCKSTUDIO_MNIST_MIRRORS", "http://127.0.0.1:9/")
    monkeypatch.setenv("BLOCKSTUDIO_FASHION_MNIST_MIRRORS", "http://127.0.0.1:9/")


def idx(array, magic=None, dims=None):
    array = np.asarray(array, dtype=np.uint8)
    magic = (0x0800 | array.ndim) if magic is None else magic
    dims = array.shape if dims is None else dims
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims) + array.tobytes()


def write_split(folder, n=12, gz=True, split="t10k", images=None, labels=None):
    """A tiny but valid split: n 28x28 images whose pixels all equal their index, labels i % 10."""
    folder.mkdir(parents=True, exist_ok=True)
    x = np.repeat(np.arange(n, dtype=np.uint8), 28 * 28).reshape(n, 28, 28)
    y = np.arange(n, dtype=np.uint8) % 10
    files = {f"{split}-images-idx3-ubyte": idx(x) if images is None else images,
             f"{split}-labels-idx1-ubyte": idx(y) if labels is None else labels}
    for name, data in files.items():
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(data) if gz else data)
    return x, y


# ----- reading valid files -------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_reads_small_split(tmp_path, gz):
    x, y = write_split(tmp_path, gz=gz)
    ds = MNIST(root=tmp_path, train=False, download=False)
    assert len(ds) == 12 and ds.root == str(tmp_path)
    data, label = ds[5]
    assert isinstance(data, NDArray) and data.shape == (28, 28, 1) and data.dtype == np.uint8
    assert isinstance(label, np.int32) and label == 5
    np.testing.assert_array_equal(data.asnumpy()[..., 0], x[5])


def test_gzip_with_several_members_and_dotted_names(tmp_path):
    x = np.zeros((3, 28, 28), np.uint8)
    raw = idx(x)
    (tmp_path / "t10k-images.idx3-ubyte.gz").write_bytes(gzip.compress(raw[:100]) + gzip.compress(raw[100:]))
    (tmp_path / "t10k-labels.idx1-ubyte").write_bytes(idx([1, 2, 3]))
    ds = MNIST(root=tmp_path, train=False, download=False)
    assert [int(ds[i][1]) for i in range(3)] == [1, 2, 3]


def test_reopening_shares_the_parsed_arrays(tmp_path):
    write_split(tmp_path)
    a = MNIST(root=tmp_path, train=False, download=False)
    b = MNIST(root=tmp_path, train=False, download=False)
    assert a._images.base is b._images.base or np.shares_memory(a._images, b._images)
    assert not a._images.flags.writeable       # shared, so nobody may change it under another


# ----- malformed files ----------------------------------------------------------------------------

def _error(tmp_path, **files):
    write_split(tmp_path, **files)
    with pytest.raises(DatasetFileError) as info:
        MNIST(root=tmp_path, train=False, download=False)
    assert isinstance(info.value, ValueError)
    return info.value


def test_foreign_file(tmp_path):
    err = _error(tmp_path, images=b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert "t10k-images-idx3-ubyte.gz" in str(err)
    assert "expected magic number 0x00000803" in str(err) and "got 0x89504e47" in str(err)
    assert err.offset == 0


def test_web_page_saved_as_a_data_file(tmp_path):
    err = _error(tmp_path, labels=b"<!DOCTYPE html><html><body>404 Not Found</body></html>")
    assert "t10k-labels-idx1-ubyte.gz" in str(err) and "web page" in str(err)


def test_swapped_images_and_labels(tmp_path):
    err = _error(tmp_path, images=idx(np.zeros(12)), labels=idx(np.zeros((12, 28, 28))))
    assert "expected magic number 0x00000803" in str(err) and "got 0x00000801" in str(err)
    assert "swapped" in str(err)


def test_wrong_value_type(tmp_path):
    err = _error(tmp_path, labels=idx(np.zeros(12), magic=0x0D01))
    assert "type 0x0d" in str(err)


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_truncated_images(tmp_path, gz):
    full = idx(np.zeros((12, 28, 28)))
    err = _error(tmp_path, gz=gz, images=full[:16 + 5 * 784 + 100])
    assert "is truncated" in str(err) and "12 images of 28x28" in str(err)
    assert f"ends at byte offset {16 + 5 * 784 + 100}" in str(err) and "inside image 5" in str(err)
    assert err.offset == 16 + 5 * 784 + 100


def test_truncated_header(tmp_path):
    err = _error(tmp_path, images=idx(np.zeros((12, 28, 28)))[:10])
    assert "inside its header" in str(err)
    err = _error(tmp_path, labels=b"\x00\x00")
    assert "too short" in str(err)


def test_truncated_gzip_stream(tmp_path):
    write_split(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(DatasetFileError, match=r"t10k-images-idx3-ubyte\.gz: the gzip stream ends early"):
        MNIST(root=tmp_path, train=False, download=False)


def test_corrupt_gzip_data(tmp_path):
    write_split(tmp_path, images=np.random.default_rng(1).integers(0, 256, 16 + 12 * 784, np.uint8).tobytes())
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetFileError, match="gzip data is corrupt"):
        MNIST(root=tmp_path, train=False, download=False)


def test_extra_bytes_after_the_data(tmp_path):
    err = _error(tmp_path, labels=idx(np.zeros(12)) + b"\x01\x02\x03")
    assert "3 bytes beyond the 12 labels" in str(err) and "byte offset 20" in str(err)


def test_empty_dimensions(tmp_path):
    err = _error(tmp_path, images=idx(np.zeros((0, 28, 28))))
    assert "no data" in str(err)


def test_images_and_labels_disagree_in_count(tmp_path):
    err = _error(tmp_path, labels=idx(np.zeros(11)))
    assert "holds 12 images but" in str(err) and "t10k-labels-idx1-ubyte.gz holds 11 labels" in str(err)


def test_label_out_of_range(tmp_path):
    err = _error(tmp_path, labels=idx([0, 1, 2, 3, 200, 5, 6, 7, 8, 9, 0, 1]))
    assert "label 4 (byte offset 12) is 200, expected 0..9" in str(err)


def test_read_idx_rejects_unknown_kind(tmp_path):
    with pytest.raises(ValueError, match="'images' or 'labels'"):
        read_idx(tmp_path / "x", "pixels")


# ----- where files are found ----------------------------------------------------------------------

def test_root_may_be_the_folder_or_its_parent(tmp_path):
    write_split(tmp_path / "data" / "mnist")
    assert len(MNIST(root=tmp_path / "data", train=False, download=False)) == 12
    assert len(MNIST(root=tmp_path / "data" / "mnist", train=False, download=False)) == 12


def test_environment_variable_then_user_folder(tmp_path, monkeypatch):
    write_split(tmp_path / "xdg" / "blockstudio" / "datasets" / "mnist", n=7)
    assert len(MNIST(train=False, download=False)) == 7
    write_split(tmp_path / "env" / "mnist", n=9)
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(tmp_path / "env"))
    assert len(MNIST(train=False, download=False)) == 9


def test_user_folder_without_platformdirs(tmp_path, monkeypatch):
    import sys
    from blockstudio.core.gluon.data.vision import default_data_folder
    monkeypatch.setitem(sys.modules, "platformdirs", None)      # core must work with numpy alone
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_folder() == str(tmp_path / ".local" / "share" / "blockstudio" / "datasets")


def test_find_mnist_folder(tmp_path, monkeypatch):
    assert find_mnist_folder("mnist") is None
    write_split(tmp_path / "env" / "fashion-mnist", split="t10k")
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(tmp_path / "env"))
    assert find_mnist_folder("fashion-mnist") is None          # the training files are missing
    write_split(tmp_path / "env" / "fashion-mnist", split="train")
    assert find_mnist_folder("FashionMNIST") == str(tmp_path / "env" / "fashion-mnist")
    assert find_mnist_folder("mnist") is None
    assert find_mnist_folder("mnist", root=tmp_path / "env" / "fashion-mnist") == str(tmp_path / "env" / "fashion-mnist")
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        find_mnist_folder("cifar")


def test_not_found_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as info:
        FashionMNIST(train=True, download=False)
    text = str(info.value)
    assert "Fashion-MNIST train files (train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz) not found" in text
    assert str(tmp_path / "env" / "fashion-mnist") in text and "$BLOCKSTUDIO_DATA" in text
    assert str(tmp_path / "xdg" / "blockstudio" / "datasets" / "fashion-mnist") in text
    assert "root=" in text and "BLOCKSTUDIO_DATA" in text and "pick the folder in the app" in text
    assert isinstance(info.value, FileNotFoundError)


def test_failed_download_is_reported_with_the_search(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=tmp_path / "nowhere", train=False)
    text = str(info.value)
    assert "Downloading them failed" in text and "http://127.0.0.1:9/t10k-images-idx3-ubyte.gz" in text
    assert "BLOCKSTUDIO_MNIST_MIRRORS" in text
    assert not any(p.is_file() for p in (tmp_path / "nowhere").rglob("*"))


# ----- the real files -----------------------------------------------------------------------------

def test_real_mnist_test_split(mnist_dir):
    ds = MNIST(root=mnist_dir, train=False)
    assert len(ds) == 10000
    data, label = ds[0]
    assert data.shape == (28, 28, 1) and data.dtype == np.uint8 and isinstance(label, np.int32)
    assert int(label) == 7                                     # the first test digit is a 7
    assert np.bincount(ds._label, minlength=10).min() > 800


def test_real_mnist_train_epoch_through_the_loader(mnist_dir, monkeypatch):
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(mnist_dir.parent))
    def transform(data, label):
        return data.astype(np.float32) / 255, label.astype(np.float32)
    ds = MNIST(train=True, transform=transform)
    assert Path(ds.root).resolve() == mnist_dir.resolve()
    mx_random.seed(3)
    loader = DataLoader(ds, 64, shuffle=True)
    count, label_sum, first = 0, 0.0, None
    for data, label in loader:
        first = first or (data, label)
        count += data.shape[0]
        label_sum += float(label.asnumpy().sum())
    assert count == 60000 and len(loader) == 938 and loader._vectorized is True
    assert first[0].shape == (64, 28, 28, 1) and first[0].dtype == np.float32
    assert first[1].shape == (64,) and first[1].dtype == np.float32
    assert 0.0 <= first[0].asnumpy().min() and first[0].asnumpy().max() <= 1.0
    assert label_sum == float(ds._label.sum())


def test_real_fashion_mnist_test_split(mnist_dir, monkeypatch):
    monkeypatch.setenv("BLOCKSTUDIO_DATA", str(mnist_dir.parent))
    ds = FashionMNIST(train=False)
    assert len(ds) == 10000 and int(ds[0][1]) == 9               # an ankle boot
    assert Path(ds.root).name == "fashion-mnist"
