#!/usr/bin/env python3
"""ONNX in and out, checked against ONNX Runtime.

Writes small CNNs with the `onnx` package the way PyTorch and Keras exporters lay them out, runs them with ONNX
Runtime, imports each with `viroscope import-onnx --verify-input/--verify-output` (which must match ORT to the
tolerance), exports the imported model again with `viroscope export-onnx` and runs that with ORT (round trip),
and checks that an unsupported operator and a residual Add are refused with a message naming them.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def weight(name, shape, scale=0.3):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def bn(prefix, c, inp, out, inits):
    inits += [numpy_helper.from_array((1 + 0.2 * rng.standard_normal(c)).astype(np.float32), f"{prefix}.scale"),
              numpy_helper.from_array((0.1 * rng.standard_normal(c)).astype(np.float32), f"{prefix}.bias"),
              numpy_helper.from_array((0.1 * rng.standard_normal(c)).astype(np.float32), f"{prefix}.mean"),
              numpy_helper.from_array((0.5 + rng.random(c)).astype(np.float32), f"{prefix}.var")]
    return helper.make_node("BatchNormalization", [inp, f"{prefix}.scale", f"{prefix}.bias", f"{prefix}.mean",
                                                   f"{prefix}.var"], [out], epsilon=1e-5, name=prefix)


def model(nodes, inits, size, classes, name):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, size, size])],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, ["batch", classes])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name=name)
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def pytorch_like():
    """Conv+bias, BN, Relu, MaxPool, Conv without bias, BN, AveragePool, GlobalAveragePool, Flatten, Dropout, Gemm, Softmax."""
    inits = [weight("c1.w", [8, 1, 3, 3]), weight("c1.b", [8], 0.1), weight("c2.w", [16, 8, 3, 3], 0.15),
             weight("c3.w", [16, 16, 3, 3], 0.1), weight("c3.b", [16], 0.1), weight("fc.w", [2, 16]), weight("fc.b", [2], 0.1)]
    nodes = [helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["a1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv1")]
    nodes += [bn("bn1", 8, "a1", "a2", inits), helper.make_node("Relu", ["a2"], ["a3"]),
              helper.make_node("MaxPool", ["a3"], ["a4"], kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("Conv", ["a4", "c2.w"], ["a5"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
              bn("bn2", 16, "a5", "a6", inits), helper.make_node("Relu", ["a6"], ["a7"]),
              helper.make_node("AveragePool", ["a7"], ["a8"], kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("Conv", ["a8", "c3.w", "c3.b"], ["a9"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
              helper.make_node("Relu", ["a9"], ["a10"]), helper.make_node("GlobalAveragePool", ["a10"], ["a11"]),
              helper.make_node("Flatten", ["a11"], ["a12"], axis=1), helper.make_node("Dropout", ["a12"], ["a13"]),
              helper.make_node("Gemm", ["a13", "fc.w", "fc.b"], ["a14"], transB=1),
              helper.make_node("Softmax", ["a14"], ["probs"], axis=1)]
    return model(nodes, inits, 32, 2, "pytorch_like")


def keras_like():
    """Conv, Relu, MaxPool, Flatten of the spatial map, MatMul + Add (Keras Dense), logits out (no Softmax)."""
    inits = [weight("k1", [4, 1, 5, 5], 0.2), weight("k1b", [4], 0.1), weight("dense", [4 * 8 * 8, 3], 0.05),
             weight("dense_b", [3], 0.1)]
    nodes = [helper.make_node("Conv", ["x", "k1", "k1b"], ["b1"], kernel_shape=[5, 5], pads=[2, 2, 2, 2]),
             helper.make_node("Relu", ["b1"], ["b2"]),
             helper.make_node("MaxPool", ["b2"], ["b3"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["b3"], ["b4"], axis=1),
             helper.make_node("MatMul", ["b4", "dense"], ["b5"]),
             helper.make_node("Add", ["b5", "dense_b"], ["logits"])]
    return model(nodes, inits, 16, 3, "keras_like")


def unsupported():
    inits = [weight("w", [2, 1, 3, 3]), weight("fc", [2, 2])]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3]),
             helper.make_node("Sigmoid", ["c"], ["s"], name="gate"),
             helper.make_node("GlobalAveragePool", ["s"], ["g"]), helper.make_node("Flatten", ["g"], ["f"]),
             helper.make_node("Gemm", ["f", "fc"], ["out"], transB=1)]
    return model(nodes, inits, 8, 2, "unsupported")


def residual():
    inits = [weight("w1", [2, 1, 3, 3]), weight("w2", [2, 2, 3, 3]), weight("fc", [2, 2])]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c1", "w2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["c1", "c2"], ["r"], name="residual_add"),
             helper.make_node("GlobalAveragePool", ["r"], ["g"]), helper.make_node("Flatten", ["g"], ["f"]),
             helper.make_node("Gemm", ["f", "fc"], ["out"], transB=1)]
    return model(nodes, inits, 8, 2, "residual")


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def run_ort(path, x):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--viroscope", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = []
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}")
    print(f"{'model':<14} {'import vs ORT':>14} {'export vs ORT':>14}  result")
    for make, logits in ((pytorch_like, False), (keras_like, True)):
        m = make()
        name = m.graph.name
        d = os.path.join(args.work, name)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "model.onnx")
        onnx.save(m, path)
        size = m.graph.input[0].type.tensor_type.shape.dim[2].dim_value
        x = rng.random((16, 1, size, size), dtype=np.float32)
        y = run_ort(path, x)
        x.astype("<f4").tofile(os.path.join(d, "x.f32"))
        y.astype("<f4").tofile(os.path.join(d, "y.f32"))
        imported = subprocess.run([args.viroscope, "import-onnx", path, "--out", os.path.join(d, "imported"),
                                   "--classes", ",".join(f"c{i}" for i in range(y.shape[1])),
                                   "--verify-input", os.path.join(d, "x.f32"), "--verify-output", os.path.join(d, "y.f32"),
                                   "--tolerance", str(args.tolerance)], capture_output=True, text=True)
        if imported.returncode != 0:
            failures.append(f"{name}: import failed: {imported.stderr.strip()}")
            print(f"{name:<14} {'-':>14} {'-':>14}  FAIL")
            continue
        import_diff = imported.stdout.split("max abs difference ")[1].split(" ")[0]
        back = os.path.join(d, "exported.onnx")
        exported = subprocess.run([args.viroscope, "export-onnx", "--model", os.path.join(d, "imported"), "--out", back],
                                  capture_output=True, text=True)
        if exported.returncode != 0:
            failures.append(f"{name}: export failed: {exported.stderr.strip()}")
            continue
        onnx.checker.check_model(onnx.load(back))
        expected = softmax(y) if logits else y
        export_diff = float(np.max(np.abs(run_ort(back, x) - expected)))
        ok = export_diff < args.tolerance
        if not ok:
            failures.append(f"{name}: exported model differs from the original by {export_diff:.3g}")
        print(f"{name:<14} {import_diff:>14} {export_diff:>14.3g}  {'ok' if ok else 'FAIL'}")
    for make, needle in ((unsupported, "Sigmoid"), (residual, "residual")):
        m = make()
        path = os.path.join(args.work, f"{m.graph.name}.onnx")
        onnx.save(m, path)
        r = subprocess.run([args.viroscope, "import-onnx", path, "--out", os.path.join(args.work, m.graph.name)],
                           capture_output=True, text=True)
        ok = r.returncode == 1 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1
        print(f"{m.graph.name:<14} refused: {r.stderr.strip()[:110]}  {'ok' if ok else 'FAIL'}")
        if not ok:
            failures.append(f"{m.graph.name}: expected exit 1 naming {needle}, got {r.returncode}: {r.stderr.strip()}")
    if failures:
        sys.exit("check-onnx: FAIL\n" + "\n".join(failures))
    print(f"check-onnx: PASS (tolerance {args.tolerance})")


if __name__ == "__main__":
    main()
