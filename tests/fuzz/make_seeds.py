#!/usr/bin/python3
"""Write the binary seeds of tests/fuzz/corpus/ (they are committed; run
this only to change them).

usage: make_seeds.py [CORPUS_DIR]    default: the corpus/ beside this file

  onnx/  tiny models built with onnx.helper (Debian's python3-onnx): three
         that load and run, covering every operator the loader knows, one
         regression seed, and three that must be refused (truncated, unknown
         operator, 3-D input)
  decision_json/  decisions in the byte layout fuzz_decision_json.c reads:
         a plain one, one with UTF-8 (good and bad) and full-length names,
         one with NaN, infinity, out-of-range enums and too many proposals
  jpeg/  tiny pictures from cjpeg (libjpeg-turbo-progs): baseline colour,
         progressive with restart markers, greyscale, plus a truncated one

Each file stays well under 4 KB so that the corpus is cheap to replay and
libFuzzer's default -max_len covers it.
"""
import os
import struct
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(path, data):
    with open(path, "wb") as f:
        f.write(data)
    assert len(data) < 4096, (path, len(data))


def model(nodes, inputs, outputs, inits, opset=17):
    graph = helper.make_graph(nodes, "seed", inputs, outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m.SerializeToString()


def t(name, shape, rng):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def onnx_seeds(out):
    rng = np.random.default_rng(7)
    os.makedirs(out, exist_ok=True)
    f32 = TensorProto.FLOAT

    # Conv (padded) + Relu + GlobalAveragePool + Flatten + Gemm + Softmax,
    # dynamic batch.
    conv = model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv",
                          kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"], name="relu"),
         helper.make_node("GlobalAveragePool", ["r"], ["g"], name="gap"),
         helper.make_node("Flatten", ["g"], ["f"], name="flat", axis=1),
         helper.make_node("Gemm", ["f", "gw", "gb"], ["l"], name="fc", transB=1),
         helper.make_node("Softmax", ["l"], ["y"], name="softmax", axis=-1)],
        [helper.make_tensor_value_info("x", f32, ["N", 3, 6, 6])],
        [helper.make_tensor_value_info("y", f32, ["N", 3])],
        [t("w", (2, 3, 3, 3), rng), t("b", (2,), rng), t("gw", (3, 2), rng),
         t("gb", (3,), rng)])
    save(os.path.join(out, "conv_gemm.onnx"), conv)

    # BatchNormalization, both pools, Concat, Clip, MatMul, Add of a
    # constant and Reshape to [1, -1]: a fixed batch of 1.
    pool = model(
        [helper.make_node("BatchNormalization", ["x", "s", "bb", "m", "v"], ["n"],
                          name="bn", epsilon=1e-5),
         helper.make_node("MaxPool", ["n"], ["p1"], name="maxpool",
                          kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("AveragePool", ["n"], ["p2"], name="avgpool",
                          kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                          count_include_pad=0),
         helper.make_node("Concat", ["p1", "p2"], ["cat"], name="concat", axis=1),
         helper.make_node("Clip", ["cat", "lo", "hi"], ["cl"], name="clip"),
         helper.make_node("Reshape", ["cl", "shape"], ["flat"], name="reshape"),
         helper.make_node("MatMul", ["flat", "mw"], ["mm"], name="matmul"),
         helper.make_node("Add", ["mm", "mb"], ["y"], name="add")],
        [helper.make_tensor_value_info("x", f32, [1, 2, 4, 4])],
        [helper.make_tensor_value_info("y", f32, [1, 2])],
        [t("s", (2,), rng), t("bb", (2,), rng), t("m", (2,), rng),
         numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "v"),
         numpy_helper.from_array(np.array(-1.0, np.float32), "lo"),
         numpy_helper.from_array(np.array(1.0, np.float32), "hi"),
         numpy_helper.from_array(np.array([1, -1], np.int64), "shape"),
         t("mw", (16, 2), rng), t("mb", (2,), rng)])
    save(os.path.join(out, "pool_concat.onnx"), pool)

    # Constant, Add of two values, Dropout, Identity, Flatten at an old
    # opset (7) with a Relu fused into nothing.
    small = model(
        [helper.make_node("Constant", [], ["k"], name="const",
                          value=numpy_helper.from_array(
                              np.array([[[[0.5]]]], np.float32), "kv")),
         helper.make_node("Add", ["x", "x"], ["a"], name="add2"),
         helper.make_node("Add", ["a", "k"], ["ak"], name="addk"),
         helper.make_node("Dropout", ["ak"], ["d"], name="drop"),
         helper.make_node("Identity", ["d"], ["i"], name="id"),
         helper.make_node("Relu", ["i"], ["r"], name="relu"),
         helper.make_node("Flatten", ["r"], ["y"], name="flat")],
        [helper.make_tensor_value_info("x", f32, ["N", 1, 2, 2])],
        [helper.make_tensor_value_info("y", f32, ["N", 4])],
        [], opset=7)
    save(os.path.join(out, "add_opset7.onnx"), small)

    # What never becomes a node: Pads taken into a MaxPool (after a Relu)
    # and a Conv, ReduceMean as a pool, and a Reshape target computed from
    # a Shape (Gather, Unsqueeze, Slice, Mul, Concat), dynamic batch.
    i64 = lambda v, name: numpy_helper.from_array(np.array(v, np.int64), name)  # noqa: E731
    save(os.path.join(out, "pad_shape.onnx"), model(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"),
         helper.make_node("Pad", ["r", "pads"], ["p"], name="pad"),
         helper.make_node("MaxPool", ["p"], ["mp"], name="maxpool",
                          kernel_shape=[3, 3], strides=[2, 2]),
         helper.make_node("Pad", ["mp", "pads"], ["p2"], name="pad2"),
         helper.make_node("Conv", ["p2", "w"], ["c"], name="conv"),
         helper.make_node("ReduceMean", ["c"], ["g"], name="mean", axes=[2, 3]),
         helper.make_node("Shape", ["g"], ["s"], name="shape"),
         helper.make_node("Gather", ["s", "i0"], ["n"], name="gather", axis=0),
         helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"], name="unsqueeze"),
         helper.make_node("Slice", ["s", "ax1", "ax2"], ["c1"], name="slice"),
         helper.make_node("Mul", ["c1", "ax1"], ["c2"], name="mul"),
         helper.make_node("Concat", ["n1", "c2"], ["t"], name="concat", axis=0),
         helper.make_node("Reshape", ["g", "t"], ["y"], name="reshape")],
        [helper.make_tensor_value_info("x", f32, ["N", 2, 5, 5])],
        [helper.make_tensor_value_info("y", f32, ["N", 2])],
        [i64([0, 0, 1, 1, 0, 0, 1, 1], "pads"), t("w", (2, 2, 3, 3), rng),
         i64(0, "i0"), i64([0], "ax0"), i64([1], "ax1"), i64([2], "ax2")]))

    # Regression: an initializer with a zero dimension has no data, and
    # protobuf-c leaves its float_data NULL (memcpy(dst, NULL, 0) in
    # onnx_tensor.c, found by fuzz_onnx).
    empty = helper.make_tensor("empty", f32, [0], [])
    save(os.path.join(out, "regress_zero_dim.onnx"), model(
        [helper.make_node("Clip", ["x", "empty"], ["y"], name="clip")],
        [helper.make_tensor_value_info("x", f32, [1, 1, 2, 2])],
        [helper.make_tensor_value_info("y", f32, [1, 1, 2, 2])], [empty]))

    # Regression: ReduceMean with an empty axes list (protobuf-c leaves
    # its ints NULL; memcpy(dst, NULL, 0) in onnx_conv.c, found by fuzz_onnx).
    mean = helper.make_node("ReduceMean", ["x"], ["y"], name="mean")
    mean.attribute.append(onnx.AttributeProto(name="axes", type=onnx.AttributeProto.INTS))
    save(os.path.join(out, "regress_empty_axes.onnx"), model(
        [mean],
        [helper.make_tensor_value_info("x", f32, [1, 1, 2, 2])],
        [helper.make_tensor_value_info("y", f32, [1, 1, 1, 1])], []))

    overflow_seeds(out)

    # Refused: cut short, an operator the loader does not know, 3-D input.
    save(os.path.join(out, "bad_truncated.onnx"), conv[:len(conv) * 3 // 5])
    save(os.path.join(out, "bad_unknown_op.onnx"), model(
        [helper.make_node("Sigmoid", ["x"], ["y"], name="sig")],
        [helper.make_tensor_value_info("x", f32, [1, 1, 2, 2])],
        [helper.make_tensor_value_info("y", f32, [1, 1, 2, 2])], []))
    save(os.path.join(out, "bad_rank.onnx"), model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [helper.make_tensor_value_info("x", f32, [1, 4, 4])],
        [helper.make_tensor_value_info("y", f32, [1, 4, 4])], []))


def overflow_seeds(out):
    """Regression (issue 9, B10): sizes whose product or sum wrapped around
    64 bits. A Reshape to [-1, 2, 2^62, 2] wrapped the known product to 0,
    which the -1 was divided by (SIGFPE, in scaled-infer and scaled
    --check); regress_reshape_overflow.onnx is the same found by mutation
    (a target of [2, 8533880681762127871]), committed as it was, not made
    here. A window or pads past 64 bits wrapped the output size."""
    f32 = TensorProto.FLOAT
    shape = numpy_helper.from_array(np.array([-1, 2, 2 ** 62, 2], np.int64), "shape")
    for name, batch in (("regress_reshape_wrap.onnx", 1), ("regress_reshape_wrap_dyn.onnx", "N")):
        save(os.path.join(out, name), model(
            [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
            [helper.make_tensor_value_info("x", f32, [batch, 3, 8, 8])],
            [helper.make_tensor_value_info("y", f32, None)], [shape]))
    save(os.path.join(out, "regress_window_wrap.onnx"), model(
        [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[3, 3],
                          dilations=[2 ** 62, 1], pads=[0, 0, 2 ** 62, 0])],
        [helper.make_tensor_value_info("x", f32, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", f32, None)], []))


def ppm(w, h, grey):
    """A small picture with some structure: gradients and a diagonal."""
    px = bytearray()
    for y in range(h):
        for x in range(w):
            r, g, b = (x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), \
                255 if x == y else 40
            px += bytes([(r + g + b) // 3]) if grey else bytes([r, g, b])
    return b"P%d\n%d %d\n255\n" % (5 if grey else 6, w, h) + bytes(px)


def cjpeg(args, data):
    return subprocess.run(["cjpeg"] + args, input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def jpeg_seeds(out):
    os.makedirs(out, exist_ok=True)
    base = cjpeg(["-quality", "50", "-optimize"], ppm(12, 9, False))
    save(os.path.join(out, "baseline.jpg"), base)
    save(os.path.join(out, "progressive.jpg"),
         cjpeg(["-quality", "50", "-progressive", "-restart", "1", "-sample", "2x2"],
               ppm(17, 5, False)))
    save(os.path.join(out, "grey.jpg"),
         cjpeg(["-quality", "50", "-grayscale", "-optimize"], ppm(3, 20, True)))
    save(os.path.join(out, "bad_truncated.jpg"), base[:len(base) * 2 // 3])


def text(b, size):
    assert len(b) <= size
    return bytes([len(b)]) + b


def proposal(policy, kind, value, wanted, flags, reason):
    return (text(policy, 64) + bytes([kind]) + struct.pack("<di", value, wanted) +
            bytes([flags]) + text(reason, 160))


def decision(group, nums, bound_by, bound_reason, outcome, outcome_msg, n, props):
    return (struct.pack("<Qq", 3, 1700000000000) + text(group, 64) +
            struct.pack("<4i", *nums) + bytes([bound_by]) + text(bound_reason, 160) +
            bytes([outcome]) + text(outcome_msg, 160) + bytes([n]) + b"".join(props))


def decision_seeds(out):
    os.makedirs(out, exist_ok=True)
    save(os.path.join(out, "plain.bin"), decision(
        b"workers", (1, 1, 4, 4), 0, b"", 2, b"", 1,
        [proposal(b"queue_step", 2, 4.0, 4, 0, b"backlog 31 >= 25")]))
    save(os.path.join(out, "utf8.bin"), decision(
        b"w" * 64, (2, 2, 9, 6), 6, "rate: +4 in 60 s ≤ 50 %".encode(), 3,
        b"quota \xff\xc0\x80 exceeded", 2,
        [proposal("wörker".encode(), 3, 1.5, 3, 1, b"\xed\xa0\x80 surrogate"),
         proposal(b"\xf4\x90\x80\x80", 4, -33.3, 0, 2, b"x" * 160)]))
    nan, inf = float("nan"), float("inf")
    save(os.path.join(out, "special.bin"), decision(
        b'q"uo\\te\n', (-1, 2147483647, -2147483648, 0), 11, b"\x01\x1f\x7f", 7,
        b"", 18,
        [proposal(b"p%d" % i, i % 8, (nan, inf, -inf, 0.1)[i % 4], i, 3, b"r")
         for i in range(18)]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    onnx_seeds(os.path.join(corpus, "onnx"))
    jpeg_seeds(os.path.join(corpus, "jpeg"))
    decision_seeds(os.path.join(corpus, "decision_json"))


if __name__ == "__main__":
    main()
