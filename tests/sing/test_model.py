import onnx
import pytest
from onnx import TensorProto, helper

from musegen.errors import ModelError
from musegen.sing import model


def test_patched_graphs_take_durations_f0_and_energy(monkeypatch, tmp_path):
    import onnxruntime as ort

    monkeypatch.setenv("MUSEGEN_CACHE", str(tmp_path))
    speech, sing = model.patched_paths()
    assert speech.parent.name.startswith(f"hibari-{model.HIBARI_VERSION}-")
    s = ort.InferenceSession(str(sing), providers=["CPUExecutionProvider"])
    assert [i.name for i in s.get_inputs()] == ["ids", "dur_in", "f0_in", "en_in"]
    assert [o.name for o in s.get_outputs()] == list(model.SPECTRAL)
    p = ort.InferenceSession(str(speech), providers=["CPUExecutionProvider"])
    assert [o.name for o in p.get_outputs()] == [model.DUR_PRED, model.ENERGY, model.F0]
    stamp = sing.stat().st_mtime_ns
    assert model.patched_paths()[1].stat().st_mtime_ns == stamp  # built once, then read from the cache


def test_a_model_without_the_pinned_nodes_names_the_version_to_install():
    x = helper.make_tensor_value_info("ids", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("lh", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Relu", ["ids"], ["lh"], name="/Relu")], "other", [x], [y])
    blob = helper.make_model(graph).SerializeToString()
    pinned = r"pinned to hibari-tts 0\.2\.1: run `pip install hibari-tts==0\.2\.1`"
    with pytest.raises(ModelError, match=pinned) as err:
        model.patch(blob)
    assert "\n" not in str(err.value)
    onnx.checker.check_model(onnx.load_from_string(blob))  # a valid model, just not the pinned one
