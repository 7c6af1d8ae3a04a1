#!/usr/bin/python3
"""Build the ONNX models the inference core is tested on.

usage: gen_models.py OUTDIR

For every valid model NAME it writes NAME.onnx, NAME.in (the input, raw
little-endian float32, NCHW) and NAME.ref (the expected output computed by
reference.py in float64, stored as float32), and lists it in models.txt as
"NAME BATCH TOLERANCE". Invalid models (bad_models.py) are written as
bad_*.onnx; test_infer_refusal.c knows what each must be refused with. Weights come from a seeded RNG
(seeded by the model's name), so the files are the same on every run.

Needs NumPy and the onnx package (Debian: python3-numpy, python3-onnx). When
either is missing it writes OUTDIR/SKIP with the reason and exits 77, which
ctest reports as skipped.
"""
import os
import sys

SKIP_CODE = 77
# The helper modules sit in the source tree: leave no __pycache__ there.
sys.dont_write_bytecode = True


def skip(outdir, reason):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, 'SKIP'), 'w') as f:
        f.write(reason + '\n')
    print('SKIP: ' + reason)
    sys.exit(SKIP_CODE)


if len(sys.argv) != 2:
    sys.exit('usage: gen_models.py OUTDIR')
OUT = sys.argv[1]
try:
    import numpy as np
    import onnx  # noqa: F401  (checked here, used by model_builder)
    from onnx import helper, numpy_helper
except ImportError as e:
    skip(OUT, '%s cannot import numpy/onnx (%s): install python3-numpy and python3-onnx'
         % (sys.executable, e))

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bad_models  # noqa: E402
import model_builder  # noqa: E402
import pad_models  # noqa: E402
import shape_models  # noqa: E402
import reference as ref  # noqa: E402
from model_builder import Model, save  # noqa: E402


# ---- Conv ---------------------------------------------------------------

def conv_case(name, in_shape, cout, k, bias=True, group=1, opset=13, ref_pads=None, **attrs):
    m = Model(name, opset)
    x = m.rand(*in_shape)
    w, b = m.conv('x', 'y', in_shape[1], cout, k, bias=bias, group=group, **attrs)
    pads = ref_pads or attrs.get('pads', [0, 0, 0, 0])
    y = ref.conv2d(x, w, b, attrs.get('strides', (1, 1)), pads, attrs.get('dilations', (1, 1)), group)
    save(m, x, y)


def conv_rect(name, in_shape, w_shape, **attrs):
    """Non-square kernels, which conv_case's k x k cannot express."""
    m = Model(name)
    x = m.rand(*in_shape)
    w = m.weight('w', *w_shape)
    m.node('Conv', ['x', 'w'], ['y'], **attrs)
    pads = attrs.get('pads', [0, 0, 0, 0])
    if attrs.get('auto_pad', '').startswith('SAME'):
        pads = ref.same_pads(in_shape[2:], w_shape[2:], attrs.get('strides', (1, 1)),
                             (1, 1), attrs['auto_pad'] == 'SAME_UPPER')
    save(m, x, ref.conv2d(x, w, None, attrs.get('strides', (1, 1)), pads))


def convs():
    conv_case('conv_basic', (2, 3, 8, 8), 4, 3, pads=[1, 1, 1, 1])
    conv_case('conv_stride_pads', (2, 3, 9, 9), 5, 3, bias=False, strides=[2, 2], pads=[1, 0, 2, 1])
    conv_case('conv_dilation', (1, 2, 10, 10), 3, 3, dilations=[2, 2], pads=[2, 2, 2, 2], strides=[1, 2])
    conv_case('conv_group', (2, 4, 6, 6), 6, 3, group=2, pads=[1, 1, 1, 1])
    conv_case('conv_depthwise', (2, 8, 9, 9), 8, 3, group=8, strides=[2, 2], pads=[1, 1, 1, 1])
    conv_case('conv_depthwise_mult', (1, 4, 7, 7), 8, 3, group=4, pads=[1, 1, 1, 1], dilations=[2, 1])
    conv_case('conv_depthwise_same', (2, 6, 8, 8), 6, 3, group=6, strides=[2, 2],
              auto_pad='SAME_UPPER', ref_pads=ref.same_pads((8, 8), (3, 3), (2, 2), (1, 1), True))
    conv_case('conv_1x1', (2, 16, 5, 5), 8, 1)
    conv_case('conv_1x1_stride2', (2, 8, 6, 6), 4, 1, strides=[2, 2])
    # K = 288 > one 256 block, 80 rows > one 72-row block, 400 columns > one task
    conv_case('conv_big', (1, 32, 20, 20), 80, 3, pads=[1, 1, 1, 1])
    conv_case('conv_1ch', (2, 1, 6, 6), 4, 3, pads=[1, 1, 1, 1])
    conv_rect('conv_same_upper', (2, 3, 7, 7), (4, 3, 4, 4), auto_pad='SAME_UPPER')
    conv_rect('conv_same_lower', (2, 3, 7, 7), (4, 3, 4, 4), auto_pad='SAME_LOWER')
    conv_rect('conv_same_upper_s2', (2, 3, 8, 8), (4, 3, 3, 3), auto_pad='SAME_UPPER', strides=[2, 2])
    conv_rect('conv_valid', (2, 3, 9, 8), (4, 3, 3, 2), auto_pad='VALID', strides=[1, 2])
    conv_rect('conv_kernel_shape', (2, 3, 6, 7), (5, 3, 2, 3), kernel_shape=[2, 3], pads=[0, 1, 1, 1])


# ---- BatchNormalization and activations -----------------------------------

def conv_then(name, tail, opset=13):
    """Conv followed by BN and/or an activation, to exercise the fusions."""
    m = Model(name, opset)
    x = m.rand(2, 3, 8, 8)
    last = 'c'
    w, b = m.conv('x', 'c', 3, 6, 3, pads=[1, 1, 1, 1])
    y = ref.conv2d(x, w, b, pads=(1, 1, 1, 1))
    for i, op in enumerate(tail):
        out = 'y' if i == len(tail) - 1 else 't%d' % i
        if op == 'bn':
            y = ref.batchnorm(y, *m.bn(last, out, 6))
        elif op == 'relu':
            m.node('Relu', [last], [out])
            y = ref.relu(y)
        elif op == 'relu6':
            m.init('lo', np.array(0, np.float32))
            m.init('hi', np.array(6, np.float32))
            m.node('Clip', [last, 'lo', 'hi'], [out])
            y = ref.clip(y, 0, 6)
        last = out
    save(m, x, y)


def norms():
    conv_then('conv_relu', ['relu'])
    conv_then('conv_bn', ['bn'])
    conv_then('conv_bn_relu', ['bn', 'relu'])
    conv_then('conv_bn_relu6', ['bn', 'relu6'])

    m = Model('bn_alone')
    x = m.rand(2, 3, 4, 4)
    save(m, x, ref.batchnorm(x, *m.bn('x', 'y', 3)))

    m = Model('bn_opset7', opset=7)
    x = m.rand(2, 3, 4, 4)
    p = m.bn('x', 'y', 3)
    m.nodes[-1].attribute.extend([helper.make_attribute('spatial', 1),
                                  helper.make_attribute('epsilon', 1e-3)])
    save(m, x, ref.batchnorm(x, *p, eps=1e-3), ir=3)

    # The Conv's output is also read by the Add: BN cannot be folded.
    m = Model('bn_shared')
    x = m.rand(2, 3, 6, 6)
    w, b = m.conv('x', 'c', 3, 4, 3, pads=[1, 1, 1, 1])
    c = ref.conv2d(x, w, b, pads=(1, 1, 1, 1))
    n = ref.batchnorm(c, *m.bn('c', 'n', 4))
    m.node('Add', ['c', 'n'], ['y'])
    save(m, x, c + n)

    m = Model('relu')
    x = m.rand(2, 3, 4, 5)
    m.node('Relu', ['x'], ['y'])
    save(m, x, ref.relu(x))

    m = Model('clip_opset7', opset=7)
    x = m.rand(2, 3, 4, 5)
    m.node('Clip', ['x'], ['y'], min=-0.5, max=0.7)
    save(m, x, ref.clip(x, -0.5, 0.7), ir=3)

    m = Model('clip_opset13')
    x = m.rand(2, 3, 4, 5)
    m.init('lo', np.array(-0.3, np.float32))
    m.init('hi', np.array([0.4], np.float32), raw=False)
    m.node('Clip', ['x', 'lo', 'hi'], ['y'])
    save(m, x, ref.clip(x, np.float32(-0.3), np.float32(0.4)))

    m = Model('clip_min_only', opset=12)
    x = m.rand(2, 3, 4, 5)
    m.init('lo', np.array(0.25, np.float32))
    m.node('Clip', ['x', 'lo', ''], ['y'])
    save(m, x, ref.clip(x, np.float32(0.25)))


# ---- pools ----------------------------------------------------------------

def pools():
    def case(name, op, in_shape, opset=13, **attrs):
        m = Model(name, opset)
        x = m.rand(*in_shape)
        m.node(op, ['x'], ['y'], **attrs)
        k = attrs['kernel_shape']
        s = attrs.get('strides', (1, 1))
        pads = attrs.get('pads', [0, 0, 0, 0])
        if attrs.get('auto_pad', '').startswith('SAME'):
            pads = ref.same_pads(in_shape[2:], k, s, (1, 1), attrs['auto_pad'] == 'SAME_UPPER')
        if op == 'MaxPool':
            y = ref.maxpool(x, k, s, pads, attrs.get('dilations', (1, 1)))
        else:
            y = ref.avgpool(x, k, s, pads, attrs.get('count_include_pad', 0) == 1)
        save(m, x, y)

    case('maxpool_basic', 'MaxPool', (2, 4, 9, 9), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    case('maxpool_dilation', 'MaxPool', (2, 3, 8, 8), opset=12, kernel_shape=[2, 2], dilations=[2, 2])
    case('maxpool_same', 'MaxPool', (2, 3, 8, 8), kernel_shape=[3, 3], strides=[2, 2], auto_pad='SAME_UPPER')
    case('maxpool_opset7', 'MaxPool', (2, 3, 7, 7), opset=7, kernel_shape=[2, 2], strides=[2, 2])
    case('avgpool_include_pad', 'AveragePool', (2, 4, 9, 9), kernel_shape=[3, 3], strides=[2, 2],
         pads=[1, 1, 1, 1], count_include_pad=1)
    case('avgpool_exclude_pad', 'AveragePool', (2, 4, 9, 9), kernel_shape=[3, 3], strides=[2, 2],
         pads=[1, 1, 1, 1], count_include_pad=0)
    case('avgpool_asym_pad', 'AveragePool', (2, 2, 7, 6), kernel_shape=[3, 2], pads=[0, 1, 2, 0])
    case('avgpool_nopad', 'AveragePool', (2, 3, 8, 8), kernel_shape=[2, 2], strides=[2, 2])
    case('avgpool_same_lower', 'AveragePool', (2, 3, 7, 7), kernel_shape=[4, 4], auto_pad='SAME_LOWER')

    m = Model('gap')
    x = m.rand(2, 5, 6, 7)
    m.node('GlobalAveragePool', ['x'], ['y'])
    save(m, x, ref.global_avgpool(x))


# ---- Add ------------------------------------------------------------------

def adds():
    m = Model('add_same')
    x = m.rand(2, 3, 4, 5)
    m.node('Relu', ['x'], ['r'])
    m.node('Add', ['r', 'x'], ['y'])
    save(m, x, ref.relu(x) + x)

    def const_case(name, c_shape, first=False, flat=False):
        m = Model(name)
        x = m.rand(2, 3, 4, 5)
        c = m.init('c', m.rand(*c_shape))
        src = 'x'
        v = x.astype(np.float64)
        if flat:
            m.node('Flatten', ['x'], ['f'])
            src, v = 'f', ref.flatten(v)
        m.node('Add', ['c', src] if first else [src, 'c'], ['y'])
        save(m, x, v + c)

    const_case('add_channel', (3, 1, 1))
    const_case('add_scalar', ())
    const_case('add_const_first', (1, 3, 1, 1), first=True)
    const_case('add_lastaxis', (60,), flat=True)
    const_case('add_full', (3, 4, 5))
    const_case('add_width', (5,))


# ---- Gemm, MatMul, Flatten, Reshape ----------------------------------------

def denses():
    def case(name, b_shape, trans_b=0, c_shape=None, alpha=1.0, beta=1.0, op='Gemm', raw=True):
        m = Model(name)
        x = m.rand(3, 2, 3, 3)
        m.node('Flatten', ['x'], ['f'])
        b = m.init('b', m.rand(*b_shape, scale=0.3), raw=raw)
        c = m.init('c', m.rand(*c_shape)) if c_shape is not None else None
        ins = ['f', 'b'] + (['c'] if c is not None else [])
        if op == 'Gemm':
            m.node('Gemm', ins, ['y'], alpha=alpha, beta=beta, transB=trans_b)
        else:
            m.node('MatMul', ins, ['y'])
        save(m, x, ref.gemm(ref.flatten(x), b, c, alpha, beta, trans_b == 1))

    case('gemm_transb', (10, 18), trans_b=1, c_shape=(10,), alpha=0.5, beta=2.0)
    case('gemm_notrans', (18, 7), c_shape=(1, 7), raw=False)
    case('gemm_scalar_bias', (18, 5), c_shape=(1,), beta=0.5)
    case('gemm_nobias', (70, 18), trans_b=1)
    case('matmul', (18, 6), op='MatMul')

    m = Model('flatten_neg_axis')
    x = m.rand(2, 3, 4, 5)
    m.node('Flatten', ['x'], ['y'], axis=-3)
    save(m, x, ref.flatten(x, 1))

    def reshape_case(name, shape, const_node=False, opset=13):
        m = Model(name, opset)
        x = m.rand(2, 4, 3, 3)
        s = np.array(shape, np.int64)
        if const_node:
            m.node('Constant', [], ['s'], value=numpy_helper.from_array(s, 's_value'))
        else:
            m.init('s', s)
        m.node('Reshape', ['x', 's'], ['r'])
        m.node('Relu', ['r'], ['y'])
        save(m, x, ref.relu(ref.reshape(x, shape)))

    reshape_case('reshape_0_m1', [0, -1])
    reshape_case('reshape_m1', [-1, 36])
    reshape_case('reshape_3d', [0, 4, -1], opset=7)
    reshape_case('reshape_const_node', [0, 12, 3], const_node=True)


# ---- Softmax, Concat, pass-through ----------------------------------------

def others():
    def soft(name, opset, axis=None, flat=False):
        m = Model(name, opset)
        x = m.rand(2, 3, 4, 5, scale=3.0)
        src, v = 'x', x
        if flat:
            m.node('Flatten', ['x'], ['f'])
            src, v = 'f', ref.flatten(x)
        attrs = {} if axis is None else {'axis': axis}
        m.node('Softmax', [src], ['y'], **attrs)
        legacy = opset < 13
        default = 1 if legacy else -1
        save(m, x, ref.softmax(v, default if axis is None else axis, legacy))

    soft('softmax_axis1', 13, axis=1)
    soft('softmax_axis2', 13, axis=2)
    soft('softmax_legacy_axis1', 11, axis=1)
    soft('softmax_legacy_default', 9)
    soft('softmax_default', 13)
    soft('softmax_flat', 13, flat=True)

    m = Model('concat_channels')
    x = m.rand(2, 3, 6, 6)
    w, b = m.conv('x', 'c', 3, 5, 3, pads=[1, 1, 1, 1])
    m.node('Relu', ['x'], ['r'])
    m.node('Concat', ['c', 'r'], ['y'], axis=1)
    save(m, x, ref.concat([ref.conv2d(x, w, b, pads=(1, 1, 1, 1)), ref.relu(x)], 1))

    m = Model('concat_three_neg_axis', opset=11)
    x = m.rand(2, 2, 3, 4)
    m.node('Relu', ['x'], ['r'])
    m.node('Concat', ['x', 'r', 'x'], ['y'], axis=-3)
    save(m, x, ref.concat([x, ref.relu(x), x], 1))

    m = Model('concat_width')
    x = m.rand(2, 2, 3, 4)
    m.node('Relu', ['x'], ['r'])
    m.node('Concat', ['r', 'x'], ['y'], axis=3)
    save(m, x, ref.concat([ref.relu(x), x], 3))

    m = Model('identity_dropout', opset=13)
    x = m.rand(2, 3, 4, 4)
    m.node('Identity', ['x'], ['i'])
    m.node('Dropout', ['i'], ['d'])
    m.node('Relu', ['d'], ['y'])
    save(m, x, ref.relu(x))

    m = Model('relu_opset21', opset=21)
    x = m.rand(2, 3, 4, 4)
    m.node('Relu', ['x'], ['y'])
    save(m, x, ref.relu(x), ir=10, check=False)


# ---- networks ----------------------------------------------------------------

def resnet_small(name, batch, dynamic, softmax):
    """conv-bn-relu stem, maxpool, two basic blocks (the second strided with a
    1x1 projection), global average pool, flatten, fc, softmax."""
    m = Model(name)
    x = m.rand(batch, 3, 32, 32)

    def cbr(src, out, cin, cout, k, stride, relu):
        pad = k // 2
        w, _ = m.conv(src, out + '_c', cin, cout, k, bias=False, strides=[stride, stride],
                      pads=[pad] * 4)
        p = m.bn(out + '_c', out + ('_n' if relu else ''), cout)
        if relu:
            m.node('Relu', [out + '_n'], [out])
        return lambda v: (ref.relu if relu else (lambda t: t))(
            ref.batchnorm(ref.conv2d(v, w, None, (stride, stride), [pad] * 4), *p))

    stem = cbr('x', 'stem', 3, 16, 3, 1, True)
    m.node('MaxPool', ['stem'], ['pool'], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    a1 = cbr('pool', 'b1a', 16, 16, 3, 1, True)
    a2 = cbr('b1a', 'b1b', 16, 16, 3, 1, False)
    m.node('Add', ['b1b', 'pool'], ['b1s'])
    m.node('Relu', ['b1s'], ['b1'])
    c1 = cbr('b1', 'b2a', 16, 32, 3, 2, True)
    c2 = cbr('b2a', 'b2b', 32, 32, 3, 1, False)
    down = cbr('b1', 'b2d', 16, 32, 1, 2, False)
    m.node('Add', ['b2b', 'b2d'], ['b2s'])
    m.node('Relu', ['b2s'], ['b2'])
    m.node('GlobalAveragePool', ['b2'], ['gap'])
    m.node('Flatten', ['gap'], ['flat'])
    fw = m.init('fc_w', m.rand(10, 32, scale=0.3))
    fb = m.init('fc_b', m.rand(10, scale=0.1))
    m.node('Gemm', ['flat', 'fc_w', 'fc_b'], ['logits' if softmax else 'y'], transB=1)
    if softmax:
        m.node('Softmax', ['logits'], ['y'], axis=1)

    p = ref.maxpool(stem(x), (3, 3), (2, 2), (1, 1, 1, 1))
    b1 = ref.relu(a2(a1(p)) + p)
    b2 = ref.relu(c2(c1(b1)) + down(b1))
    y = ref.gemm(ref.flatten(ref.global_avgpool(b2)), fw, fb, trans_b=True)
    if softmax:
        y = ref.softmax(y, 1)
    save(m, x, y, dynamic=dynamic)


def mobilenet_block():
    """Inverted residual: 1x1 expand, depthwise 3x3, 1x1 project, each with
    BN, ReLU6 (Clip 0..6) after the first two, and the residual Add."""
    m = Model('mobilenet_block')
    x = m.rand(2, 8, 16, 16)
    m.init('zero', np.array(0, np.float32))
    m.init('six', np.array(6, np.float32))
    we, _ = m.conv('x', 'e', 8, 48, 1, bias=False)
    pe = m.bn('e', 'en', 48)
    m.node('Clip', ['en', 'zero', 'six'], ['er'])
    wd, _ = m.conv('er', 'd', 48, 48, 3, bias=False, group=48, pads=[1, 1, 1, 1])
    pd = m.bn('d', 'dn', 48)
    m.node('Clip', ['dn', 'zero', 'six'], ['dr'])
    wp, _ = m.conv('dr', 'p', 48, 8, 1, bias=False)
    pp = m.bn('p', 'pn', 8)
    m.node('Add', ['x', 'pn'], ['y'])

    e = ref.clip(ref.batchnorm(ref.conv2d(x, we), *pe), 0, 6)
    d = ref.clip(ref.batchnorm(ref.conv2d(e, wd, pads=(1, 1, 1, 1), group=48), *pd), 0, 6)
    y = x + ref.batchnorm(ref.conv2d(d, wp), *pp)
    save(m, x, y)


def fixed_batch():
    """Fixed batch 2 with Reshape [2, -1]: mixes the batch axis, so it only
    runs at batch 2."""
    m = Model('fixed_batch_reshape')
    x = m.rand(2, 3, 4, 4)
    m.init('s', np.array([2, -1], np.int64))
    m.node('Reshape', ['x', 's'], ['r'])
    w = m.init('w', m.rand(48, 5, scale=0.2))
    m.node('MatMul', ['r', 'w'], ['y'])
    save(m, x, ref.gemm(x.reshape(2, -1), w))


def tiny_classifier():
    """tests/infer_io/make_model.py's classifier (Conv 3x3 -> Relu -> GAP ->
    Flatten -> Gemm), batch 8 and dynamic: the model a threads = 2 session
    was reported to hang on, which infer_threads_test runs thousands of
    times."""
    m = Model('tiny_classifier')
    x = m.rand(8, 3, 8, 8)
    w, b = m.conv('x', 'c', 3, 4, 3, pads=[1, 1, 1, 1])
    m.node('Relu', ['c'], ['r'])
    m.node('GlobalAveragePool', ['r'], ['g'])
    m.node('Flatten', ['g'], ['f'])
    gw = m.init('fc_w', m.rand(10, 4, scale=0.5))
    gb = m.init('fc_b', m.rand(10, scale=0.1))
    m.node('Gemm', ['f', 'fc_w', 'fc_b'], ['y'], transB=1)
    y = ref.gemm(ref.flatten(ref.global_avgpool(ref.relu(ref.conv2d(x, w, b, pads=(1, 1, 1, 1))))),
                 gw, gb, trans_b=True)
    save(m, x, y, dynamic=True)


def networks():
    resnet_small('resnet_small', 4, False, True)
    resnet_small('resnet_small_dyn', 3, True, False)
    mobilenet_block()
    fixed_batch()
    tiny_classifier()



def main():
    os.makedirs(OUT, exist_ok=True)
    model_builder.set_output(OUT)
    skip_file = os.path.join(OUT, 'SKIP')
    if os.path.exists(skip_file):
        os.remove(skip_file)
    for part in (convs, norms, pools, adds, denses, others, networks, pad_models.build, shape_models.build,
                 bad_models.build):
        part()
    with open(os.path.join(OUT, 'models.txt'), 'w') as f:
        f.write('\n'.join(model_builder.MANIFEST) + '\n')
    print('wrote %d models to %s' % (len(model_builder.MANIFEST), OUT))


main()
