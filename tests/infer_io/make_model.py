#!/usr/bin/python3
"""Make a tiny ONNX classifier, a spool of raw inputs for it, and the top-1
class NumPy computes for each input (tests/infer_io/test_worker.c).

usage: make_model.py DIR N
  DIR/model.onnx     x[N,3,8,8] -> Conv 3x3 (4) -> Relu -> GlobalAveragePool
                     -> Flatten -> Gemm (10), batch dimension dynamic
  DIR/spool/jNNNN.f32  N inputs, little-endian float32, 3*8*8 values each
  DIR/expected.txt   "jNNNN.f32 CLASS" per line

Inputs whose two best logits are closer than 1e-3 are redrawn, so that the
expected class does not hinge on float rounding.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def forward(x, w, b, gw, gb):
    n, c, h, wd = x.shape
    pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((n, w.shape[0], h, wd), dtype=np.float64)
    for i in range(3):
        for j in range(3):
            patch = pad[:, :, i:i + h, j:j + wd]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    y += b[None, :, None, None]
    y = np.maximum(y, 0)
    g = y.mean(axis=(2, 3))
    return g @ gw.T + gb


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(4)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    gw = rng.standard_normal((10, 4)).astype(np.float32)
    gb = rng.standard_normal(10).astype(np.float32)

    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "gw", "gb"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
         numpy_helper.from_array(gw, "gw"), numpy_helper.from_array(gb, "gb")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))

    spool = os.path.join(out, "spool")
    os.makedirs(spool, exist_ok=True)
    with open(os.path.join(out, "expected.txt"), "w") as exp:
        for i in range(n):
            while True:
                x = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
                logits = forward(x.astype(np.float64), w, b, gw, gb)[0]
                top2 = np.sort(logits)[-2:]
                if top2[1] - top2[0] > 1e-3:
                    break
            name = "j%04d.f32" % i
            tmp = os.path.join(spool, "." + name + ".tmp")
            x.astype("<f4").tofile(tmp)
            os.rename(tmp, os.path.join(spool, name))
            exp.write("%s %d\n" % (name, int(np.argmax(logits))))


if __name__ == "__main__":
    main()
