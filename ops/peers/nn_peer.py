#!/usr/bin/env python3
"""ONNX Runtime peer for `viroscope bench-nn`.

Reads the model that bench-nn dumped (architecture.json + weights.safetensors), builds the same network as an
ONNX graph with onnx.helper (unfused: ORT does its own folding and fusion), runs it with ONNX Runtime on the same
inputs, checks the outputs agree with ours, and prints ours vs ORT for 1 and 2 threads.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{path}: {name} is {info['dtype']}"
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[base + begin : base + end], dtype="<f4").reshape(info["shape"]).copy()
    return tensors


def build_onnx(arch, weights, batch):
    inp = arch["input"]
    nodes, inits = [], []
    cur = "input"
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    spatial = True
    layers = arch["layers"]
    for i, layer in enumerate(layers):
        t = layer["type"]
        out = fresh(t)
        if t == "conv2d":
            n = layer["name"]
            ins = [cur, init(f"{n}.weight", weights[f"{n}.weight"])]
            if layer.get("bias", True):
                ins.append(init(f"{n}.bias", weights[f"{n}.bias"]))
            k, s, p = layer["kernel"], layer.get("stride", 1), layer.get("padding", 0)
            nodes.append(helper.make_node("Conv", ins, [out], kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p]))
        elif t == "batch_norm":
            n = layer["name"]
            ins = [cur] + [init(f"{n}.{x}", weights[f"{n}.{x}"]) for x in ("weight", "bias", "running_mean", "running_var")]
            nodes.append(helper.make_node("BatchNormalization", ins, [out], epsilon=layer.get("epsilon", 1e-5)))
        elif t == "relu":
            nodes.append(helper.make_node("Relu", [cur], [out]))
        elif t in ("max_pool", "avg_pool"):
            k = layer["kernel"]
            s = layer.get("stride", k)
            op = "MaxPool" if t == "max_pool" else "AveragePool"
            nodes.append(helper.make_node(op, [cur], [out], kernel_shape=[k, k], strides=[s, s]))
        elif t == "global_avg_pool":
            nodes.append(helper.make_node("GlobalAveragePool", [cur], [out]))
        elif t == "dense":
            n = layer["name"]
            if spatial:
                flat = fresh("flatten")
                nodes.append(helper.make_node("Flatten", [cur], [flat], axis=1))
                cur = flat
                spatial = False
            ins = [cur, init(f"{n}.weight", weights[f"{n}.weight"]), init(f"{n}.bias", weights[f"{n}.bias"])]
            nodes.append(helper.make_node("Gemm", ins, [out], transB=1))
        elif t == "dropout":
            continue
        elif t == "softmax":
            if i != len(layers) - 1:
                nodes.append(helper.make_node("Softmax", [cur], [out], axis=1))
            else:
                continue
        else:
            sys.exit(f"nn_peer: layer type {t} is not supported")
        if t == "global_avg_pool":
            flat = fresh("flatten")
            nodes.append(helper.make_node("Flatten", [out], [flat], axis=1))
            out = flat
            spatial = False
        cur = out
    nodes.append(helper.make_node("Softmax", [cur], ["probabilities"], axis=1))
    classes = len(arch["class_names"])
    graph = helper.make_graph(
        nodes, "viroscope_classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, inp["channels"], inp["height"], inp["width"]])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [batch, classes])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="viroscope nn_peer")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def time_ort(model_bytes, x, threads, iterations):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    out = sess.run(None, {"input": x})[0]
    times = []
    cpu0 = time.process_time()
    for _ in range(iterations):
        t0 = time.perf_counter()
        out = sess.run(None, {"input": x})[0]
        times.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu0) / iterations
    return out, float(np.mean(times)), float(np.min(times)), cpu


def run_ours(binary, out_dir, batch, iterations, threads):
    subprocess.run([binary, "bench-nn", "--batch", str(batch), "--iterations", str(iterations), "--threads", str(threads),
                    "--dump", out_dir], check=True, stdout=subprocess.DEVNULL)
    return json.load(open(f"{out_dir}/result.json"))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--viroscope", required=True, help="path of the release viroscope binary")
    ap.add_argument("--work", required=True, help="scratch directory for the dumps")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3,
                    help="ours and ORT alternate this many times per thread count, so load from other processes hits both")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()

    load_before = os.getloadavg()[0]
    rows, worst = [], 0.0
    for threads in (1, 2):
        ours_means, ours_bests, ort_means, ort_bests, ours_cpu, ort_cpu = [], [], [], [], [], []
        for r in range(args.rounds):
            d = f"{args.work}/t{threads}-r{r}"
            meta = run_ours(args.viroscope, d, args.batch, args.iterations, threads)
            arch = json.load(open(f"{d}/model/architecture.json"))
            weights = read_safetensors(f"{d}/model/weights.safetensors")
            b, c, h, w = meta["batch"], meta["channels"], meta["height"], meta["width"]
            x = np.fromfile(f"{d}/inputs.f32", dtype="<f4").reshape(b, c, h, w)
            ours = np.fromfile(f"{d}/outputs.f32", dtype="<f4").reshape(b, meta["classes"])
            model = build_onnx(arch, weights, b)
            out, mean, best, cpu = time_ort(model.SerializeToString(), x, threads, args.iterations)
            worst = max(worst, float(np.max(np.abs(out - ours))))
            ours_means.append(meta["crops_per_s"]); ours_bests.append(meta["best_crops_per_s"])
            ort_means.append(b / mean); ort_bests.append(b / best)
            ours_cpu.append(meta["crops_per_cpu_s"]); ort_cpu.append(b / cpu)
        rows.append((threads, float(np.median(ours_means)), float(np.median(ort_means)), max(ours_bests), max(ort_bests),
                     meta["flops_per_crop"], meta["sgemm_ceiling_gflops"], meta.get("openblas_core", "?"),
                     float(np.median(ours_cpu)), float(np.median(ort_cpu))))

    print(f"\nCNN inference, default classifier {arch['input']['height']}x{arch['input']['width']} "
          f"({rows[0][5] / 1e6:.1f} MFLOP/crop), batch {args.batch}, {args.iterations} batches x {args.rounds} alternating rounds")
    print(f"peer: onnxruntime {ort.__version__} CPU provider, ORT_ENABLE_ALL, same ONNX-exported weights and inputs; "
          f"ours: OpenBLAS {rows[0][7]} kernels")
    print(f"{'threads':>7}  {'ours crops/s':>12}  {'ORT crops/s':>11}  {'ratio':>5}  {'ours best':>9}  {'ORT best':>8}  "
          f"{'ratio':>5}  {'ours/CPU-s':>10}  {'ORT/CPU-s':>9}  {'ratio':>5}  {'ours GFLOP/s':>12}  {'sgemm 512^3':>11}")
    for t, o, r, ob, rb, flops, ceiling, _, oc, rc in rows:
        print(f"{t:>7}  {o:>12.0f}  {r:>11.0f}  {o / r:>5.2f}  {ob:>9.0f}  {rb:>8.0f}  {ob / rb:>5.2f}  "
              f"{oc:>10.0f}  {rc:>9.0f}  {oc / rc:>5.2f}  {flops * o / 1e9:>12.1f}  {ceiling:>11.1f}")
    print("crops/s: median over rounds of the mean batch time; best: fastest single batch in any round; "
          "/CPU-s: crops per second of process CPU time (all threads), median over rounds")
    print(f"machine: {os.cpu_count()} cores, 1-minute load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} "
          "after (other processes compete with both sides alike)")
    if worst >= args.tolerance:
        sys.exit(f"nn_peer: outputs differ from ONNX Runtime by {worst:.3e} (tolerance {args.tolerance})")
    print(f"outputs agree with ONNX Runtime: max abs difference {worst:.2e} < {args.tolerance}")


if __name__ == "__main__":
    main()
