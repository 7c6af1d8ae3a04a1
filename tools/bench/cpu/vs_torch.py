#!/usr/bin/python3
"""ResNet-50 FP32 on the CPU: scaled's oneDNN backend against PyTorch eager.

usage: /usr/bin/python3 tools/bench/cpu/vs_torch.py [--scaled-infer BIN] [--out DIR]
           [--threads 1,2] [--batches 1,8,32] [--rounds 3] [--seconds S]

1. Builds tools/bench/cpu/resnet50.py's model (torchvision's resnet50
   layout, seeded weights, BatchNormalization left in, dynamic batch) and
   loads the same weights into torchvision.models.resnet50() (conv and BN
   tensors by name, fc from the Gemm).
2. Checks one seeded batch of 2: `scaled-infer --backend onednn` and
   `--backend cpu` (the reference backend) against PyTorch and against
   each other: top-1 and the largest logit difference, PASS within 1e-3
   of the largest |logit| (resnet50.py's FP32 tolerance).
3. Times, alternated in one run, `rounds` times over: for each thread
   count T and batch B, PyTorch eager (torch.set_num_threads(T),
   torch.inference_mode(), NCHW and channels_last, the better one counts)
   and `scaled-infer --bench --backend onednn --cpu-threads T --batch B`.
   Each figure is images/s from the median time of one call over about
   --seconds of calls after one untimed call, each in a process of its own.
   Prints a markdown table: per row the median over the rounds of each
   side's images/s, their ratio, the smallest per-round ratio, and the
   command of each.

Needs Debian's python3-torch, python3-torchvision, python3-onnx,
python3-numpy (run it with /usr/bin/python3) and a built build/scaled-infer.
Exit status: 0 PASS (check passed; the speed is reported, not judged),
1 FAIL or a failed run, 2 missing pieces.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'infer'))

TOL = 1e-3
RUN_TIMEOUT = 900


def say(*a):
    print(*a, flush=True)


# ---- PyTorch ---------------------------------------------------------------

def torch_state_dict(onnx_path):
    """torchvision resnet50 parameter names -> the ONNX model's initializers."""
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(onnx_path).graph.initializer}
    sd = {}

    def conv_bn(onnx_name, conv, bn):
        sd[conv + '.weight'] = inits[onnx_name + '_w']
        for suffix, key in (('_g', 'weight'), ('_b', 'bias'), ('_m', 'running_mean'),
                            ('_v', 'running_var')):
            sd[bn + '.' + key] = inits[onnx_name + '.bn' + suffix]
        sd[bn + '.num_batches_tracked'] = np.array(0, dtype=np.int64)

    conv_bn('conv1', 'conv1', 'bn1')
    for li, blocks in enumerate((3, 4, 6, 3)):
        for b in range(blocks):
            p = 'layer%d.%d' % (li + 1, b)
            for c in (1, 2, 3):
                conv_bn('%s.conv%d' % (p, c), '%s.conv%d' % (p, c), '%s.bn%d' % (p, c))
            if b == 0:
                conv_bn(p + '.downsample', p + '.downsample.0', p + '.downsample.1')
    sd['fc.weight'] = inits['fc_w']
    sd['fc.bias'] = inits['fc_b']
    return {k: torch.from_numpy(np.array(v)) for k, v in sd.items()}


def torch_model(state_path):
    import torch
    import torchvision
    model = torchvision.models.resnet50()
    model.load_state_dict(torch.load(state_path), strict=True)
    return model.eval()


def torch_worker(args):
    """One timing in this process: prints 'IPS <images/s>'."""
    import torch
    torch.set_num_threads(args.threads)
    model = torch_model(args.state)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=torch.Generator().manual_seed(5))
    if args.layout == 'channels_last':
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    times = []
    with torch.inference_mode():
        model(x)
        start = time.perf_counter()
        while len(times) < args.iters or (time.perf_counter() - start < args.seconds and len(times) < 1000):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    say('IPS %.4f (median of %d calls)' % (args.batch / statistics.median(times), len(times)))
    return 0


def run(cmd, what):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        say('FAILED (no answer in %d s): %s' % (RUN_TIMEOUT, shlex.join(cmd)))
        sys.exit(1)
    if r.returncode:
        say('FAILED (exit %d): %s\n%s' % (r.returncode, shlex.join(cmd), (r.stdout + r.stderr).strip()))
        sys.exit(1)
    return r.stdout + r.stderr


def torch_ips(args, threads, batch, layout):
    cmd = ['/usr/bin/python3', os.path.abspath(__file__), '--torch-worker', '--state', args.state,
           '--threads', str(threads), '--batch', str(batch), '--layout', layout,
           '--size', str(args.size), '--seconds', str(args.seconds), '--iters', str(args.min_iters)]
    out = run(cmd, 'torch')
    return float(out.split('IPS ')[1].split()[0]), shlex.join(cmd)


def scaled_ips(args, threads, batch):
    # About args.seconds of calls, from the reference figures' order of
    # magnitude (12 images/s per thread); at least min_iters.
    iters = max(args.min_iters, int(args.seconds * 12 * threads / batch))
    cmd = [args.scaled_infer, '--bench', args.model, '--backend', 'onednn', '--batch', str(batch),
           '--cpu-threads', str(threads), '--iters', str(iters), '--warmup', '1']
    out = run(cmd, 'scaled')
    median_ms = float(out.split('median ')[1].split(',')[0])
    return batch * 1e3 / median_ms, shlex.join(cmd)


# ---- the check -----------------------------------------------------------------

def check(args):
    import numpy as np
    import torch
    rng = np.random.default_rng(1234)
    x = rng.standard_normal((2, 3, args.size, args.size)).astype('<f4')
    xin = os.path.join(args.out, 'check_in.f32')
    x.tofile(xin)
    torch.set_num_threads(2)
    with torch.inference_mode():
        want = torch_model(args.state)(torch.from_numpy(x)).double().numpy()
    got = {}
    for backend in ('onednn', 'cpu'):
        yout = os.path.join(args.out, 'check_out_%s.f32' % backend)
        cmd = [args.scaled_infer, '--bench', args.model, '--backend', backend, '--batch', '2',
               '--cpu-threads', '2', '--iters', '1', '--warmup', '0', '--bench-in', xin,
               '--bench-out', yout]
        run(cmd, backend)
        got[backend] = np.fromfile(yout, dtype='<f4').astype(np.float64).reshape(want.shape)
    scale = float(np.abs(want).max())
    ok = True
    for name, a, b in (('onednn vs PyTorch', got['onednn'], want),
                       ('cpu (reference) vs PyTorch', got['cpu'], want),
                       ('onednn vs cpu (reference)', got['onednn'], got['cpu'])):
        diff = float(np.abs(a - b).max()) if np.isfinite(a).all() else float('inf')
        agree = int((a.argmax(1) == b.argmax(1)).sum())
        good = diff <= TOL * scale and agree == len(a)
        ok &= good
        say('%s: %s: top-1 %d/%d, max |logit diff| %.3g = %.2e of max |logit| %.3g (tolerance %.0e)'
            % ('PASS' if good else 'FAIL', name, agree, len(a), diff, diff / scale, scale, TOL))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scaled-infer', default=os.path.join(ROOT, 'build', 'scaled-infer'))
    ap.add_argument('--out', help='keep the model and files here (default: a temporary folder)')
    ap.add_argument('--size', type=int, default=224)
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--batches', default='1,8,32')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--seconds', type=float, default=3.0, help='timed calls per figure (3 s)')
    ap.add_argument('--min-iters', type=int, default=3, help='at least this many timed calls (3)')
    # The PyTorch side of one figure, in a process of its own.
    ap.add_argument('--torch-worker', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--state', help=argparse.SUPPRESS)
    ap.add_argument('--batch', type=int, help=argparse.SUPPRESS)
    ap.add_argument('--layout', help=argparse.SUPPRESS)
    ap.add_argument('--iters', type=int, default=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        args.threads = int(args.threads)
        return torch_worker(args)

    try:
        import onnx
        import torch  # noqa: F401
        import torchvision  # noqa: F401
        import resnet50
    except ImportError as e:
        say('%s cannot import torch/torchvision/onnx (%s): install python3-torch, '
            'python3-torchvision and python3-onnx, and run it with /usr/bin/python3'
            % (sys.executable, e))
        return 2
    if not os.access(args.scaled_infer, os.X_OK):
        say('no scaled-infer at %s: cmake --build build --target scaled_infer' % args.scaled_infer)
        return 2
    threads = [int(t) for t in args.threads.split(',')]
    batches = [int(b) for b in args.batches.split(',')]
    start = time.perf_counter()
    temp = args.out is None
    args.out = tempfile.mkdtemp(prefix='vs-torch-') if temp else args.out
    os.makedirs(args.out, exist_ok=True)
    try:
        args.model = os.path.join(args.out, 'resnet50-%d.onnx' % args.size)
        onnx.save(resnet50.resnet50(args.size), args.model)
        args.state = os.path.join(args.out, 'resnet50-%d.pt' % args.size)
        torch.save(torch_state_dict(args.model), args.state)
        say('built %s and its PyTorch state %s (the same weights)' % (args.model, args.state))
        ok = check(args)

        fig = {}  # (threads, batch) -> {'torch': [...], 'scaled': [...], ...}
        for rnd in range(args.rounds):
            for t in threads:
                for b in batches:
                    f = fig.setdefault((t, b), {'torch': [], 'scaled': [], 'ratio': [],
                                                'layout': []})
                    best = None
                    for layout in ('nchw', 'channels_last'):
                        ips, cmd = torch_ips(args, t, b, layout)
                        if best is None or ips > best[0]:
                            best = (ips, cmd, layout)
                    s_ips, s_cmd = scaled_ips(args, t, b)
                    f['torch'].append(best[0])
                    f['layout'].append(best[2])
                    f['scaled'].append(s_ips)
                    f['ratio'].append(s_ips / best[0])
                    f['torch_cmd'], f['scaled_cmd'] = best[1], s_cmd
                    say('round %d, T=%d, batch %d: PyTorch %.2f img/s (%s), scaled onednn %.2f '
                        'img/s: %.2fx' % (rnd + 1, t, b, best[0], best[2], s_ips, s_ips / best[0]))
        say('\n| T | batch | PyTorch img/s | scaled onednn img/s | ratio | worst round | '
            'PyTorch command | scaled command |')
        say('|---:|---:|---:|---:|---:|---:|---|---|')
        for (t, b), f in sorted(fig.items()):
            tm, sm = statistics.median(f['torch']), statistics.median(f['scaled'])
            layouts = '/'.join(sorted(set(f['layout'])))
            say('| %d | %d | %.2f (%s) | %.2f | %.2f | %.2f | `%s` | `%s` |'
                % (t, b, tm, layouts, sm, sm / tm, min(f['ratio']),
                   f['torch_cmd'].replace(' --layout ' + f['layout'][-1], ' --layout nchw|channels_last'),
                   f['scaled_cmd']))
        say('\n(medians over %d rounds; each figure from the median call time; %s; whole run %.0f s)'
            % (args.rounds, 'check PASS' if ok else 'check FAIL', time.perf_counter() - start))
        return 0 if ok else 1
    finally:
        if temp:
            import shutil
            shutil.rmtree(args.out, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
