#!/usr/bin/env python3
"""ResNet-50 through PyTorch and through scaled's cuDNN backend (issue 4).

usage: resnet50.py --scaled-infer BIN --out DIR [--batches 64,128,256]
                   [--iters N] [--check-batch N]

1. Exports torchvision's ResNet-50 with torch.manual_seed(0) random weights
   to DIR/resnet50.onnx (opset 17, dynamic batch, one file).
2. Runs one fixed, seeded batch through PyTorch (FP32 without TF32, and FP16
   channels_last) and through `scaled-infer --bench --bench-in/--bench-out`
   (FP32 and --fp16), and prints the top-1 agreement and the largest logit
   difference of each against PyTorch FP32.
3. Measures images/s of `scaled-infer --bench --backend cuda --fp16` and of
   PyTorch eager (FP16, channels_last, cudnn.benchmark on, input already on
   the GPU) at each batch, and prints one table with the share of the H100's
   FP16 ceiling (989 TFLOP/s / 4.1 GMAC per image, about 121 000 images/s).

scaled's figures include copying the float input to the GPU and the logits
back (from pinned buffers, overlapped with compute); PyTorch's do not.
Nothing here is a test: it prints what it measured, failures included.
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
import torchvision

CEILING = 121000.0


def say(*a):
    print(*a, flush=True)


def export(path):
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    x = torch.randn(1, 3, 224, 224)
    kw = dict(opset_version=17, input_names=['x'], output_names=['logits'],
              dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}})
    # The TorchScript exporter writes the plain Conv/Relu/MaxPool/Add/
    # GlobalAveragePool/Flatten/Gemm graph the loader takes; the dynamo one
    # is the fallback where the old one is gone.
    try:
        torch.onnx.export(model, x, path, dynamo=False, **kw)
    except TypeError:
        torch.onnx.export(model, x, path, **kw)
    except Exception as e:  # noqa: BLE001
        say('legacy export failed (%s); trying the dynamo exporter' % e)
        torch.onnx.export(model, x, path, dynamo=True, external_data=False, **kw)
    say('exported %s (%.1f MB)' % (path, os.path.getsize(path) / 1e6))
    return model


def scaled(binary, model, batch, fp16, extra=(), timeout=150):
    cmd = [binary, '--bench', model, '--batch', str(batch), '--backend', 'cuda']
    if fp16:
        cmd.append('--fp16')
    cmd += list(extra)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        say('FAILED (timed out after %d s): %s\n%s' % (timeout, ' '.join(cmd),
                                                      (e.stdout or b'').decode(errors='replace')))
        return None, 
    out = r.stdout + r.stderr
    m = re.search(r'([0-9.]+) images/s', out)
    if r.returncode or not m:
        say('FAILED (%d): %s\n%s' % (r.returncode, ' '.join(cmd), out.strip()))
        return None, out
    return float(m.group(1)), out


def top1_and_diff(name, got, ref):
    agree = int((got.argmax(1) == ref.argmax(1)).sum())
    diff = float(np.abs(got - ref).max())
    scale = float(np.abs(ref).max())
    say('  %-26s top-1 %d/%d as PyTorch FP32, max |logit diff| %.4g (max |logit| %.4g, %.2e relative)'
        % (name, agree, len(ref), diff, scale, diff / max(scale, 1e-30)))


def check(args, model):
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(args.check_batch, 3, 224, 224, generator=g)
    xin = os.path.join(args.out, 'check_in.f32')
    x.numpy().astype(np.float32).tofile(xin)
    dev = torch.device('cuda')
    with torch.inference_mode():
        m32 = model.to(dev)
        ref = m32(x.to(dev)).float().cpu().numpy()
        m16 = model.to(dev).half().to(memory_format=torch.channels_last)
        t16 = m16(x.to(dev).half().to(memory_format=torch.channels_last)).float().cpu().numpy()
        model.float()
    say('fixed batch of %d (seed 1234), logits against PyTorch FP32 (TF32 off):' % args.check_batch)
    top1_and_diff('PyTorch FP16 channels_last', t16, ref)
    for fp16 in (False, True):
        yout = os.path.join(args.out, 'check_out_%s.f32' % ('fp16' if fp16 else 'fp32'))
        ips, log = scaled(args.scaled_infer, args.model, args.check_batch, fp16,
                          ['--iters', '1', '--warmup', '0', '--bench-in', xin, '--bench-out', yout])
        if ips is None:
            continue
        got = np.fromfile(yout, dtype=np.float32).reshape(ref.shape)
        top1_and_diff('scaled %s' % ('FP16' if fp16 else 'FP32'), got, ref)


def torch_bench(model, batch, iters, warmup):
    torch.backends.cudnn.benchmark = True
    dev = torch.device('cuda')
    m = model.to(dev).half().to(memory_format=torch.channels_last)
    x = torch.randn(batch, 3, 224, 224, device=dev).half().to(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(warmup):
            m(x)
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(iters):
            m(x)
        torch.cuda.synchronize()
        dt = time.perf_counter() - t
    del x
    model.float()
    torch.cuda.empty_cache()
    return batch * iters / dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scaled-infer', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--batches', default='64,128,256')
    ap.add_argument('--iters', type=int, default=50)
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--check-batch', type=int, default=8)
    ap.add_argument('--pageable', action='store_true',
                    help='also measure scaled with pageable (malloc) buffers')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    args.model = os.path.join(args.out, 'resnet50.onnx')
    say('torch %s (CUDA %s, cuDNN %s), %s' % (torch.__version__, torch.version.cuda,
                                            torch.backends.cudnn.version(),
                                            torch.cuda.get_device_name(0)))
    model = export(args.model)
    check(args, model)

    rows = []
    for b in [int(v) for v in args.batches.split(',')]:
        bench = ['--iters', str(args.iters), '--warmup', str(args.warmup)]
        ours, log = scaled(args.scaled_infer, args.model, b, True, bench)
        if ours is not None:
            say('  ' + log.strip().splitlines()[-1])
        pageable = None
        if args.pageable:
            pageable, _ = scaled(args.scaled_infer, args.model, b, True, bench + ['--pageable'])
        theirs = torch_bench(model, b, args.iters, args.warmup)
        rows.append((b, ours, pageable, theirs))

    say('')
    say('ResNet-50 FP16 on %s, images/s (scaled: pinned input copied to the GPU each call;'
        % torch.cuda.get_device_name(0))
    say('PyTorch eager: channels_last, cudnn.benchmark, input on the GPU)')
    say('| batch | scaled | scaled (pageable) | PyTorch eager | scaled / PyTorch | share of 121k |')
    say('| ---: | ---: | ---: | ---: | ---: | ---: |')

    def f(v):
        return '%.0f' % v if v else 'failed'
    for b, ours, pageable, theirs in rows:
        say('| %d | %s | %s | %.0f | %s | %s |' % (
            b, f(ours), f(pageable) if args.pageable else 'not run', theirs,
            '%.2fx' % (ours / theirs) if ours else '-',
            '%.1f%%' % (100.0 * ours / CEILING) if ours else '-'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
