"""The singing voice model: hibari-tts 0.2.1's ONNX voice, patched so that it can sing.

hibari speaks: its graph predicts phoneme durations, F0 and energy itself. Singing needs all three from
the score, so two graphs are derived from the shipped model (the `onnx` package edits it):

* the **speech** graph outputs the predicted durations (`/Clip_output_0`, per token, 25 ms units),
  energy (`/Mul_62_output_0`, per 12.5 ms frame) and F0 (`f0`): what the voice would do when speaking;
* the **sing** graph takes them as inputs instead: `dur_in` replaces `/Cast_32_output_0` (read by
  `/CumSum` and `/ReduceSum`), `f0_in` replaces the input of the `Relu` that reads `f0`, and `en_in`
  replaces `/Mul_62_output_0` for its readers. It outputs the five spectral branches hibari's DSP uses.

The node names are internal to hibari 0.2.1, so they are checked at load: a mismatch is one clear
`ModelError` naming the version to install. Both graphs are built at first use and cached under
musegen's cache directory (`$MUSEGEN_CACHE`, see `musegen.lyrics.base.cache_dir`); nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from musegen.errors import ModelError

HIBARI_VERSION = "0.2.1"
VOICE_NAME = "hibari af_heart"  # the one voice inside the wheel (American English, female)
VOICE_LICENSE = "Apache-2.0"  # hibari-tts and the Kokoro-82M voice it was distilled from
VOICE_MODEL = f"hibari-tts {HIBARI_VERSION}, distilled from Kokoro-82M"
SAMPLE_RATE = 24000  # the model's output rate
FRAMES_PER_UNIT = 2  # one duration unit (25 ms) is two 12.5 ms frames
FRAME_SECONDS = 0.0125

DUR = "/Cast_32_output_0"  # integer durations, one per token
DUR_READERS = ("/CumSum", "/ReduceSum")
DUR_PRED = "/Clip_output_0"  # predicted durations (float) before the cast
ENERGY = "/Mul_62_output_0"
F0 = "f0"
SPECTRAL = ("lh", "theta", "ln", "lr", "phi")


@dataclass
class VoiceModel:
    """The two ONNX sessions and the phoneme vocabulary of the patched voice."""

    speech: object  # onnxruntime.InferenceSession: ids, speed -> dur, en, f0
    sing: object  # onnxruntime.InferenceSession: ids, speed, dur_in, f0_in, en_in -> lh, theta, ln, lr, phi
    vocab: dict[str, int]


def _hibari_dir() -> Path:
    """The installed hibari package folder (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("hibari")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the singing voice needs hibari-tts: run "
                         f"`pip install hibari-tts=={HIBARI_VERSION}` (or pass --vocals off)")
    return Path(next(iter(spec.submodule_search_locations)))


def _installed_version() -> str:
    try:
        return importlib.metadata.version("hibari-tts")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _pinned_error(what: str) -> ModelError:
    return ModelError(f"hibari-tts {_installed_version()}: {what}; the singing patch is pinned to "
                      f"hibari-tts {HIBARI_VERSION}: run `pip install hibari-tts=={HIBARI_VERSION}` "
                      "(or pass --vocals off)")


def _prune(graph) -> None:
    """Drop the nodes no graph output depends on (the decoder of the speech graph, predictors of sing)."""
    producer = {o: n for n in graph.node for o in n.output}
    need = [o.name for o in graph.output]
    keep: set[int] = set()
    while need:
        n = producer.get(need.pop())
        if n is None or id(n) in keep:
            continue
        keep.add(id(n))
        need.extend(i for i in n.input if i)
        for attr in n.attribute:  # subgraphs (If/Loop) read outer names too
            if attr.g is not None:
                need.extend(i for sub in attr.g.node for i in sub.input if i)
    nodes = [n for n in graph.node if id(n) in keep]
    del graph.node[:]
    graph.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    inits = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    inputs = [i for i in graph.input if i.name in used]
    del graph.input[:]
    graph.input.extend(inputs)


def patch(model_bytes: bytes) -> tuple[bytes, bytes]:
    """The (speech, sing) graphs derived from hibari's model bytes; ModelError if a pinned node is missing."""
    import onnx
    from onnx import TensorProto, helper

    def load():
        return onnx.load_from_string(model_bytes)

    base = load()
    nodes = base.graph.node
    readers = {n.name for n in nodes if DUR in n.input}
    if readers != set(DUR_READERS) or not any(DUR_PRED in n.output for n in nodes):
        raise _pinned_error(f"the duration nodes {DUR} -> {', '.join(DUR_READERS)} were not found")
    if not any(ENERGY in n.output for n in nodes) or not any(n.op_type == "Relu" and F0 in n.input
                                                             for n in nodes):
        raise _pinned_error(f"the energy ({ENERGY}) or F0 (Relu of {F0}) nodes were not found")
    if [o.name for o in base.graph.output] != [*SPECTRAL, F0]:
        raise _pinned_error("the model outputs differ from lh, theta, ln, lr, phi, f0")

    speech = base
    del speech.graph.output[:]
    speech.graph.output.extend([helper.make_tensor_value_info(DUR_PRED, TensorProto.FLOAT, ["T"]),
                                helper.make_tensor_value_info(ENERGY, TensorProto.FLOAT, [1, "F"]),
                                helper.make_tensor_value_info(F0, TensorProto.FLOAT, [1, "F"])])
    _prune(speech.graph)

    sing = load()
    g = sing.graph
    for n in g.node:
        if n.name in DUR_READERS:
            n.input[:] = ["dur_in" if i == DUR else i for i in n.input]
        elif n.op_type == "Relu" and F0 in n.input:
            n.input[:] = ["f0_in" if i == F0 else i for i in n.input]
        elif ENERGY in n.input:
            n.input[:] = ["en_in" if i == ENERGY else i for i in n.input]
    g.input.extend([helper.make_tensor_value_info("dur_in", TensorProto.INT64, ["T"]),
                    helper.make_tensor_value_info("f0_in", TensorProto.FLOAT, [1, "F"]),
                    helper.make_tensor_value_info("en_in", TensorProto.FLOAT, [1, "F"])])
    outs = [o for o in g.output if o.name in SPECTRAL]
    del g.output[:]
    g.output.extend(outs)
    _prune(g)
    return speech.SerializeToString(), sing.SerializeToString()


def patched_paths() -> tuple[Path, Path]:
    """Paths of the cached (speech, sing) graphs, building them on first use (~2 s, atomic)."""
    from musegen.lyrics.base import cache_dir

    src = _hibari_dir() / "assets" / "hibari.onnx"
    if not src.is_file():
        raise _pinned_error(f"{src} is missing")
    data = src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:12]
    folder = cache_dir() / "voices" / f"hibari-{HIBARI_VERSION}-{digest}"
    paths = (folder / "speech.onnx", folder / "sing.onnx")
    if all(p.is_file() for p in paths):
        return paths
    try:
        graphs = patch(data)
    except ModelError:
        raise
    except Exception as exc:  # onnx cannot parse or re-serialise the file: not the model we pinned
        raise _pinned_error(f"{src} cannot be patched ({exc})") from None
    folder.mkdir(parents=True, exist_ok=True)
    for path, blob in zip(paths, graphs, strict=True):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
    return paths


@lru_cache(maxsize=1)
def load_voice(threads: int = 1) -> VoiceModel:
    """The patched voice (cached per process): two onnxruntime sessions on the CPU and the vocabulary."""
    import json

    try:
        import onnxruntime as ort
    except ImportError:  # pragma: no cover - a declared dependency
        raise ModelError("the singing voice needs onnxruntime: `pip install onnxruntime` "
                         "(or pass --vocals off)") from None
    speech_path, sing_path = patched_paths()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = threads
    opts.log_severity_level = 3
    try:
        speech = ort.InferenceSession(str(speech_path), opts, providers=["CPUExecutionProvider"])
        sing = ort.InferenceSession(str(sing_path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a truncated cache file: rebuild it next time
        for p in (speech_path, sing_path):
            p.unlink(missing_ok=True)
        raise ModelError(f"{sing_path.parent}: the cached singing voice is corrupt ({exc}); it was removed, "
                         "run again to rebuild it") from None
    vocab = json.loads((_hibari_dir() / "assets" / "vocab.json").read_text(encoding="utf-8"))
    return VoiceModel(speech=speech, sing=sing, vocab=vocab)
