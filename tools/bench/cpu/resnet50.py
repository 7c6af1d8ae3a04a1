#!/usr/bin/python3
"""ResNet-50 on scaled's CPU backends: a check against NumPy, then images/s.

usage: /usr/bin/python3 tools/bench/cpu/resnet50.py [--scaled-infer BIN] [--out DIR]
           [--size H] [--check-batch N] [--batches 1,8,32] [--threads 1,2]
           [--iters N] [--warmup N] [--backend cpu|onednn]

(--backend: which backend is checked and timed, cpu by default; the
comparison with PyTorch is vs_torch.py, beside this file.)

1. Builds, with onnx.helper, a model with torchvision's resnet50 structure
   (conv1 7x7/2 + BN + ReLU, MaxPool 3x3/2, Bottleneck layers [3, 4, 6, 3]
   with the stride on the 3x3 (v1.5), GlobalAveragePool, Flatten, Gemm to
   1000 classes): opset 17, input 'x' [N, 3, H, H] with a dynamic batch,
   output 'logits'. BatchNormalization nodes stay in (the loader folds them).
   Weights come from a RNG seeded by the model's name, so every run builds
   the same model; its parameter count is checked against torchvision's.
2. Runs a fixed seeded batch through a float64 NumPy evaluation of the graph
   and through `scaled-infer --bench --backend cpu --bench-in/--bench-out`,
   once per thread count, and prints top-1 agreement and the largest logit
   difference; PASS within 1e-3 of the largest |logit|, else FAIL and exit 1.
3. Times `scaled-infer --bench --backend cpu` at each batch and thread count
   and prints a markdown table with the command of each row.

Needs NumPy and onnx (Debian: python3-numpy, python3-onnx) and a built
build/scaled-infer (cmake --build build --target scaled_infer). Files go to
--out DIR, or to a temporary folder removed at the end. Exit status: 0 PASS,
1 FAIL or a failed scaled-infer run, 2 missing pieces.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

# The helpers below live in the source tree: leave no __pycache__ there.
sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'infer'))
try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
    import model_builder
    import reference as ref
except ImportError as e:
    sys.exit('%s cannot import numpy/onnx (%s): install python3-numpy and python3-onnx, '
             'or run it with /usr/bin/python3' % (sys.executable, e))

TORCHVISION_PARAMS = 25557032  # sum(p.numel() for p in torchvision.models.resnet50().parameters())
# FP32 against float64: every output is a dot product of at most 4608 terms,
# 50 layers deep, with BN folded into the weights in float32; rounding moves
# the logits by about 1e-6..1e-5 of their scale. A real fault (a wrong pad,
# stride or tile edge, a lost residual) moves them by 1e-1 or more.
# gpu_models_test uses the same 1e-3 for FP32.
TOL = 1e-3
RUN_TIMEOUT = 900  # seconds for one scaled-infer call


def say(*a):
    print(*a, flush=True)


# ---- the model ------------------------------------------------------------

def bn(m, x, y, c, gamma=(0.5, 1.5)):
    """BatchNormalization with seeded stats; the variance stays positive."""
    for suffix, arr in (('_g', m.rng.uniform(*gamma, c)), ('_b', m.rand(c, scale=0.1)),
                        ('_m', m.rand(c, scale=0.1)), ('_v', m.rng.uniform(0.5, 1.5, c))):
        m.init(y + suffix, np.asarray(arr, dtype=np.float32))
    m.node('BatchNormalization', [x] + [y + s for s in ('_g', '_b', '_m', '_v')], [y])
    return y


def conv_bn(m, x, name, cin, cout, k, stride, relu=True, gamma=(0.5, 1.5)):
    """Conv (He-normal weights, no bias) + BN (+ Relu), as torchvision lays them out."""
    m.conv(x, name, cin, cout, k, bias=False, kernel_shape=[k, k],
           strides=[stride, stride], pads=[k // 2] * 4)
    y = bn(m, name, name + '.bn', cout, gamma)
    if relu:
        m.node('Relu', [y], [name + '.relu'])
        y = name + '.relu'
    return y


def bottleneck(m, x, name, cin, width, stride):
    cout = width * 4
    h = conv_bn(m, x, name + '.conv1', cin, width, 1, 1)
    h = conv_bn(m, h, name + '.conv2', width, width, 3, stride)
    # A small gamma on the last BN (torchvision's zero_init_residual, but not
    # zero) keeps the residual sum O(1) through 16 blocks while every branch
    # still counts in the logits.
    h = conv_bn(m, h, name + '.conv3', width, cout, 1, 1, relu=False, gamma=(0.1, 0.3))
    if stride != 1 or cin != cout:
        x = conv_bn(m, x, name + '.downsample', cin, cout, 1, stride, relu=False)
    m.node('Add', [h, x], [name + '.add'])
    m.node('Relu', [name + '.add'], [name + '.out'])
    return name + '.out'


def resnet50(size):
    m = model_builder.Model('resnet50', opset=17)
    y = conv_bn(m, 'x', 'conv1', 3, 64, 7, 2)
    m.node('MaxPool', [y], ['maxpool'], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y, cin = 'maxpool', 64
    for li, (blocks, width, stride) in enumerate(((3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2))):
        for b in range(blocks):
            y = bottleneck(m, y, 'layer%d.%d' % (li + 1, b), cin, width, stride if b == 0 else 1)
            cin = width * 4
    m.node('GlobalAveragePool', [y], ['avgpool'])
    m.node('Flatten', ['avgpool'], ['flatten'], axis=1)
    m.weight('fc_w', 1000, 2048)
    m.init('fc_b', m.rand(1000, scale=0.1))
    m.node('Gemm', ['flatten', 'fc_w', 'fc_b'], ['logits'], transB=1)
    graph = helper.make_graph(
        m.nodes, 'resnet50',
        [helper.make_tensor_value_info('x', onnx.TensorProto.FLOAT, ['N', 3, size, size])],
        [helper.make_tensor_value_info('logits', onnx.TensorProto.FLOAT, ['N', 1000])],
        initializer=m.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)],
                              producer_name='scaled-bench')
    onnx.checker.check_model(model)
    params = sum(int(np.prod(t.dims)) for t in m.inits if not t.name.endswith(('_m', '_v')))
    if params != TORCHVISION_PARAMS:
        raise SystemExit('built %d parameters, torchvision resnet50 has %d' % (params, TORCHVISION_PARAMS))
    return model


# ---- the float64 reference --------------------------------------------------

def conv2d(x, w, strides, pads):
    """Conv as one matrix product over sliding windows (BLAS), for speed;
    check_conv2d compares it with reference.conv2d."""
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    kh, kw = w.shape[2:]
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    win = win[:, :, ::strides[0], ::strides[1]]          # n, c, ho, wo, kh, kw
    y = np.tensordot(win, w.astype(np.float64), axes=([1, 4, 5], [1, 2, 3]))
    return y.transpose(0, 3, 1, 2)                         # n, m, ho, wo


def check_conv2d():
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 5, 11, 9)), rng.standard_normal((4, 5, 3, 3))
    for strides, pads in (((1, 1), (1, 1, 1, 1)), ((2, 2), (1, 1, 1, 1)), ((2, 2), (0, 0, 0, 0))):
        want = ref.conv2d(x, w, None, strides, pads)
        if not np.allclose(conv2d(x, w, strides, pads), want, rtol=1e-12, atol=1e-12):
            raise SystemExit('conv2d disagrees with reference.conv2d at strides %s pads %s'
                             % (strides, pads))


def evaluate(model, x):
    """Run the graph node by node in float64; returns (logits, MACs per image)."""
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    vals = {'x': x.astype(np.float64)}
    uses = {}
    for nd in model.graph.node:
        for name in nd.input:
            uses[name] = uses.get(name, 0) + 1
    macs = 0
    for nd in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in nd.attribute}
        i = [vals[n] if n in vals else inits[n] for n in nd.input]
        op = nd.op_type
        if op == 'Conv':
            y = conv2d(i[0], i[1], a['strides'], a['pads'])
            macs += y[0].size * int(np.prod(i[1].shape[1:]))
        elif op == 'BatchNormalization':
            y = ref.batchnorm(*i, eps=a.get('epsilon', 1e-5))
        elif op == 'Relu':
            y = ref.relu(i[0])
        elif op == 'MaxPool':
            y = ref.maxpool(i[0], a['kernel_shape'], a['strides'], a['pads'])
        elif op == 'Add':
            y = i[0] + i[1]
        elif op == 'GlobalAveragePool':
            y = ref.global_avgpool(i[0])
        elif op == 'Flatten':
            y = ref.flatten(i[0], a.get('axis', 1))
        elif op == 'Gemm':
            y = ref.gemm(i[0], i[1], i[2], trans_b=a.get('transB', 0) == 1)
            macs += i[1].size
        else:
            raise SystemExit('evaluate: no reference for %s' % op)
        vals[nd.output[0]] = y
        for name in nd.input:  # drop activations nothing reads any more
            uses[name] -= 1
            if uses[name] == 0 and name in vals and name != 'logits':
                del vals[name]
    return vals['logits'], macs


# ---- scaled-infer -----------------------------------------------------------

def run_bench(args, batch, threads, extra=()):
    """One `scaled-infer --bench` call; returns (command, figures dict)."""
    cmd = [args.scaled_infer, '--bench', args.model, '--backend', args.backend, '--batch', str(batch)]
    if threads is not None:
        cmd += ['--cpu-threads', str(threads)]
    cmd += list(extra)
    text = shlex.join(cmd)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        say('FAILED (no answer in %d s): %s\n%s' % (RUN_TIMEOUT, text, e.stdout or ''))
        sys.exit(1)
    out = (r.stdout + r.stderr).strip()
    m = re.search(r'([0-9.]+) images/s \(([0-9.]+) ms/batch, median ([0-9.]+), min ([0-9.]+)\)', out)
    if r.returncode or not m:
        say('FAILED (exit %d): %s\n%s' % (r.returncode, text, out))
        sys.exit(1)
    f = dict(zip(('ips', 'mean', 'median', 'min'), map(float, m.groups())))
    f['ips'] = batch * 1e3 / f['mean']  # the same figure, with more digits than it prints
    return text, f


def check(args, model, thread_counts):
    rng = np.random.default_rng(1234)
    x = rng.standard_normal((args.check_batch, 3, args.size, args.size)).astype('<f4')
    xin = os.path.join(args.out, 'check_in.f32')
    x.tofile(xin)
    t = time.perf_counter()
    want, macs = evaluate(model, x)
    say('NumPy float64 reference: batch %d in %.1f s' % (args.check_batch, time.perf_counter() - t))
    spread = want.std(axis=1)
    if not np.isfinite(want).all() or (spread < 1e-3 * np.abs(want).max()).any():
        raise SystemExit('the reference logits are not usable (non-finite or flat): fix the weights')
    scale = float(np.abs(want).max())
    top2 = np.sort(want, axis=1)[:, -2:]
    margin = float((top2[:, 1] - top2[:, 0]).min())
    say('reference logits: max |logit| %.4g, std per image %s, smallest top-1 margin %.3g'
        % (scale, ' '.join('%.3g' % s for s in spread), margin))
    ok = True
    for threads in thread_counts:
        yout = os.path.join(args.out, 'check_out_t%s.f32' % (threads or 'default'))
        cmd, _ = run_bench(args, args.check_batch, threads,
                           ['--iters', '1', '--warmup', '0', '--bench-in', xin, '--bench-out', yout])
        got = np.fromfile(yout, dtype='<f4')
        if got.size != want.size:
            say('FAIL: %s wrote %d floats, expected %d' % (cmd, got.size, want.size))
            ok = False
            continue
        got = got.reshape(want.shape).astype(np.float64)
        diff = float(np.abs(got - want).max()) if np.isfinite(got).all() else float('inf')
        agree = int((got.argmax(1) == want.argmax(1)).sum())
        # A top-1 flip only counts when the reference's margin is well above the error.
        flips_that_count = agree < len(want) and margin > 2 * diff
        good = diff <= TOL * scale and not flips_that_count
        ok &= good
        say('%s: top-1 %d/%d, max |logit diff| %.3g = %.2e of max |logit| (tolerance %.0e)\n  %s'
            % ('PASS' if good else 'FAIL', agree, len(want), diff, diff / scale, TOL, cmd))
    return ok, macs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scaled-infer', default=os.path.join(ROOT, 'build', 'scaled-infer'))
    ap.add_argument('--out', help='keep the model and check files here (default: a temporary folder)')
    ap.add_argument('--size', type=int, default=224, help='input height and width (224)')
    ap.add_argument('--check-batch', type=int, default=2)
    ap.add_argument('--backend', default='cpu', choices=('cpu', 'onednn'),
                    help='the backend checked and timed (cpu, the reference)')
    ap.add_argument('--batches', default='1,8,32')
    ap.add_argument('--threads', default='1,2', help='--cpu-threads values to time (1,2)')
    ap.add_argument('--iters', type=int, default=3, help='timed calls per row (3)')
    ap.add_argument('--warmup', type=int, default=1, help='untimed calls per row (1)')
    args = ap.parse_args()
    start = time.perf_counter()
    batches = [int(b) for b in args.batches.split(',')]
    if args.size < 1 or args.check_batch < 1 or min(batches) < 1 or args.iters < 1:
        ap.error('--size, --check-batch, --batches and --iters must be positive')

    if not os.access(args.scaled_infer, os.X_OK):
        say('no scaled-infer at %s: build it with `cmake --build build --target scaled_infer`'
            % args.scaled_infer)
        return 2
    r = subprocess.run([args.scaled_infer, '--help'], capture_output=True, text=True)
    thread_counts = [int(t) for t in args.threads.split(',')]
    if '--cpu-threads' not in r.stdout + r.stderr:
        say('%s has no --cpu-threads: one thread count only' % args.scaled_infer)
        thread_counts = [None]

    temp = args.out is None
    args.out = tempfile.mkdtemp(prefix='resnet50-cpu-') if temp else args.out
    os.makedirs(args.out, exist_ok=True)
    try:
        check_conv2d()
        t = time.perf_counter()
        model = resnet50(args.size)
        args.model = os.path.join(args.out, 'resnet50-%d.onnx' % args.size)
        onnx.save(model, args.model)
        say('built %s: torchvision resnet50 layout, %d parameters, %.1f MB, in %.1f s'
            % (args.model, TORCHVISION_PARAMS, os.path.getsize(args.model) / 1e6,
               time.perf_counter() - t))
        ok, macs = check(args, model, thread_counts)
        say('%.2f GMAC per %dx%d image' % (macs / 1e9, args.size, args.size))

        rows = []
        for threads in thread_counts:
            for batch in batches:
                cmd, f = run_bench(args, batch, threads,
                                   ['--iters', str(args.iters), '--warmup', str(args.warmup)])
                rows.append((threads, batch, f, cmd))
        say('\n| threads | batch | images/s | ms/batch (mean) | median | min | GFLOP/s | command |')
        say('|---:|---:|---:|---:|---:|---:|---:|---|')
        for threads, batch, f, cmd in rows:
            say('| %s | %d | %.2f | %.1f | %.1f | %.1f | %.1f | `%s` |'
                % (threads or '-', batch, f['ips'], f['mean'], f['median'], f['min'],
                   2 * macs * f['ips'] / 1e9, cmd))
        say('\n%s (whole script %.0f s)' % ('PASS' if ok else 'FAIL', time.perf_counter() - start))
        return 0 if ok else 1
    finally:
        if temp:
            shutil.rmtree(args.out, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
