"""Writes what Keras itself says of the Keras Applications the zoo rebuilds, for packages/zoo/test.

Run once, with Keras 3 from the pip registry (any backend; JAX is the lightest):

    python -m venv /tmp/kenv && /tmp/kenv/bin/pip install keras jax jaxlib h5py
    KERAS_BACKEND=jax /tmp/kenv/bin/python packages/zoo/scripts/keras-applications.py

It writes, under packages/zoo/test/fixtures/keras-applications/:

* json/<Model>.json.gz: `model.to_json()` of each application as built for `weights="imagenet"` (the file is not
  downloaded and the weights stay random, see _NoDownload), the default input and top, gzipped;
* topology/<Model>.json: per layer, read from the Keras model: name, class, output shape, parameter count and the
  layers it is called on (from the same JSON's inbound nodes), plus the Keras version;
* weights/mobilenetv2-0.35-32.{h5,weights.h5,keras}.gz: a small MobileNetV2 (alpha 0.35, 32x32x3, 10 classes) saved
  by Keras as legacy HDF5 (model.save), Keras 3 weights (save_weights) and a .keras archive (model.save), gzipped,
  with weights rounded to multiples of 1/16 (so that the files compress), and
  weights/mobilenetv2-0.35-32.outputs.json: a fixed input and Keras's outputs for it.

Weights are never written for the full-size applications (they are random: weights=None).
"""

import gzip
import json
import os

import numpy as np

import keras

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "keras-applications")

APPLICATIONS = {
    "ResNet50": keras.applications.ResNet50,
    "ResNet50V2": keras.applications.ResNet50V2,
    "MobileNetV2": keras.applications.MobileNetV2,
    "InceptionV3": keras.applications.InceptionV3,
    "EfficientNetB0": keras.applications.EfficientNetB0,
    "DenseNet121": keras.applications.DenseNet121,
}


def inbound_layers(layer_config):
    """The names of the layers a layer is called on, in order, from its config's inbound nodes."""
    names = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                names.append(value["config"]["keras_history"][0])
                return
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    for node in layer_config.get("inbound_nodes", []):
        walk(node.get("args", []))
        walk(node.get("kwargs", {}))
    return names


def shape_of(layer):
    shape = layer.output.shape
    return [None if d is None else int(d) for d in shape]


def write(path, text, compress=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if compress:
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write(text.encode("utf-8"))
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


class _NoDownload:
    """Builds an application as `weights="imagenet"` does, without the file: EfficientNet then adds the Rescaling by
    ImageNet's standard deviations that the zoo's builder has (Keras adds it only for those weights). The download
    is replaced by a path that is never read, and loading by nothing; the weights stay random."""

    def __enter__(self):
        from keras.src.models.model import Model
        from keras.src.utils import file_utils

        self._saved = (file_utils.get_file, Model.load_weights)
        file_utils.get_file = lambda *args, **kwargs: "/nonexistent/imagenet.h5"
        Model.load_weights = lambda self, *args, **kwargs: None
        return self

    def __exit__(self, *exc):
        from keras.src.models.model import Model
        from keras.src.utils import file_utils

        file_utils.get_file, Model.load_weights = self._saved
        return False


def topology(name, build):
    keras.utils.clear_session()
    with _NoDownload():
        model = build(weights="imagenet")
    text = model.to_json()
    config = json.loads(text)["config"]
    by_name = {c["config"]["name"]: c for c in config["layers"]}
    layers = []
    for layer in model.layers:
        layers.append(
            {
                "name": layer.name,
                "className": layer.__class__.__name__,
                "classNameComplete": True,
                "outputShape": shape_of(layer),
                "params": int(layer.count_params()),
                "inbound": inbound_layers(by_name[layer.name]),
            }
        )
    write(os.path.join(OUT, "json", f"{name}.json.gz"), text, compress=True)
    record = {
        "model": name,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "includeTop": True,
        "inputShape": shape_of(model.layers[0])[1:],
        "params": int(model.count_params()),
        "layers": layers,
    }
    write(os.path.join(OUT, "topology", f"{name}.json"), json.dumps(record, indent=1) + "\n")
    print(name, record["params"], len(layers))


def small_weights():
    keras.utils.clear_session()
    keras.utils.set_random_seed(7)
    model = keras.applications.MobileNetV2(
        alpha=0.35, input_shape=(32, 32, 3), classes=10, weights=None, classifier_activation=None
    )
    rng = np.random.default_rng(7)
    for layer in model.layers:
        values = []
        for w in layer.weights:
            v = np.round(np.asarray(w.numpy()) * 16) / 16
            if w.path.endswith("moving_variance"):
                v = np.round((0.5 + rng.random(v.shape)) * 16) / 16
            elif w.path.endswith("moving_mean"):
                v = np.round(rng.normal(0, 0.1, v.shape) * 16) / 16
            elif w.path.endswith("gamma"):
                v = np.round((0.75 + 0.5 * rng.random(v.shape)) * 16) / 16
            elif w.path.endswith("beta") or w.path.endswith("bias"):
                v = np.round(rng.normal(0, 0.05, v.shape) * 16) / 16
            values.append(v.astype("float32"))
        if values:
            layer.set_weights(values)
    folder = os.path.join(OUT, "weights")
    os.makedirs(folder, exist_ok=True)
    # the three files Keras writes: legacy HDF5 (model.save(".h5")), Keras 3's weights file and its .keras archive
    for suffix, save in [
        ("h5", model.save),
        ("weights.h5", model.save_weights),
        ("keras", model.save),
    ]:
        path = os.path.join(folder, f"mobilenetv2-0.35-32.{suffix}")
        save(path)
        with open(path, "rb") as f:
            data = f.read()
        with gzip.GzipFile(path + ".gz", "wb", mtime=0) as f:
            f.write(data)
        os.remove(path)
        print(suffix, len(data), "bytes")
    x = np.round(np.random.default_rng(3).uniform(-1, 1, (2, 32, 32, 3)) * 256) / 256
    y = np.asarray(model.predict(x.astype("float32"), verbose=0))
    record = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "model": "MobileNetV2(alpha=0.35, input_shape=(32, 32, 3), classes=10, classifier_activation=None)",
        "input": x.astype("float32").ravel().tolist(),
        "inputShape": list(x.shape),
        "output": y.ravel().tolist(),
        "outputShape": list(y.shape),
    }
    write(os.path.join(OUT, "weights", "mobilenetv2-0.35-32.outputs.json"), json.dumps(record) + "\n")


if __name__ == "__main__":
    for name, build in APPLICATIONS.items():
        topology(name, build)
    small_weights()
