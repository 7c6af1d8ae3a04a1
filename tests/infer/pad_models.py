"""Models for the operators the loader takes into other nodes: Pad (into the
window of the Conv or pool after it) and ReduceMean over H and W (a
GlobalAveragePool). These are what Keras models exported with tf2onnx
write (ZeroPadding2D, GlobalAveragePooling2D). Each is checked against
reference.py, which pads explicitly with np.pad."""
import numpy as np

import reference as ref
from model_builder import Model, save


def zero_pad(x, pads):
    """pads: top, left, bottom, right."""
    return np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))


def onnx_pads(p):
    """top, left, bottom, right -> ONNX's 4-D begins then ends."""
    return [0, 0, p[0], p[1], 0, 0, p[2], p[3]]


def pad_node(m, src, dst, pads, opset, axes=None, value=None):
    if opset < 11:
        extra = {} if value is None else {'value': value}
        m.node('Pad', [src], [dst], pads=onnx_pads(pads), mode='constant', **extra)
        return
    if axes is None:
        m.init(dst + '_p', np.array(onnx_pads(pads), np.int64))
    else:
        m.init(dst + '_p', np.array([pads[0], pads[1], pads[2], pads[3]], np.int64))
        m.init(dst + '_a', np.array(axes, np.int64))
    inputs = [src, dst + '_p']
    if value is not None or axes is not None:
        inputs.append(dst + '_v' if value is not None else '')
        if value is not None:
            m.init(dst + '_v', np.array(value, np.float32))
    if axes is not None:
        inputs.append(dst + '_a')
    m.node('Pad', inputs, [dst])


def pad_conv(name, in_shape, pads, cout, k, stride=1, group=1, opset=13, axes=None, value=None,
             conv_pads=(0, 0, 0, 0), auto_pad=None):
    m = Model(name, opset)
    x = m.rand(*in_shape)
    pad_node(m, 'x', 'p', pads, opset, axes, value)
    attrs = {'strides': [stride, stride]}
    if auto_pad:
        attrs['auto_pad'] = auto_pad
    elif any(conv_pads):
        attrs['pads'] = list(conv_pads)
    w, b = m.conv('p', 'y', in_shape[1], cout, k, group=group, **attrs)
    y = ref.conv2d(zero_pad(x, pads), w, b, (stride, stride), conv_pads, group=group)
    save(m, x, y)


def pad_pool(name, op, in_shape, pads, kernel, stride, relu=False, pool_pads=(0, 0, 0, 0),
             include=0):
    m = Model(name)
    x = m.rand(*in_shape)
    src = 'x'
    if relu:
        m.node('Relu', ['x'], ['r'])
        src = 'r'
    pad_node(m, src, 'p', pads, 13)
    attrs = {'kernel_shape': list(kernel), 'strides': list(stride)}
    if any(pool_pads):
        attrs['pads'] = list(pool_pads)
    if op == 'AveragePool':
        attrs['count_include_pad'] = include
    m.node(op, ['p'], ['y'], **attrs)
    v = zero_pad(ref.relu(x) if relu else x, pads)
    if op == 'MaxPool':
        y = ref.maxpool(v, kernel, stride, pool_pads)
    else:
        y = ref.avgpool(v, kernel, stride, pool_pads, include == 1)
    save(m, x, y)


def reduce_mean(name, opset, axes, keepdims):
    m = Model(name, opset)
    x = m.rand(2, 5, 6, 7)
    if opset < 18:
        m.node('ReduceMean', ['x'], ['y'], axes=axes, keepdims=keepdims)
    else:
        m.init('axes', np.array(axes, np.int64))
        m.node('ReduceMean', ['x', 'axes'], ['y'], keepdims=keepdims)
    y = ref.global_avgpool(x)
    save(m, x, y if keepdims else y.reshape(2, 5), dynamic=True)


def keras_resnet_like():
    """What tf2onnx makes of a Keras ResNet's ends, NCHW input: ZeroPadding2D
    before a 'valid' strided stem conv and before the max pool, a residual
    block, GlobalAveragePooling2D as ReduceMean keepdims=0, Dense as MatMul
    plus Add, then Softmax."""
    m = Model('keras_resnet_like')
    x = m.rand(3, 3, 32, 32)
    pad_node(m, 'x', 'stem_pad', (3, 3, 3, 3), 13)
    w1, b1 = m.conv('stem_pad', 'stem_c', 3, 16, 7, strides=[2, 2])
    p1 = m.bn('stem_c', 'stem_n', 16)
    m.node('Relu', ['stem_n'], ['stem'])
    pad_node(m, 'stem', 'pool_pad', (1, 1, 1, 1), 13)
    m.node('MaxPool', ['pool_pad'], ['pool'], kernel_shape=[3, 3], strides=[2, 2])
    w2, b2 = m.conv('pool', 'b_a', 16, 16, 3, pads=[1, 1, 1, 1])
    m.node('Relu', ['b_a'], ['b_ar'])
    # MobileNetV2's stride-2 'valid' convs after ZeroPadding2D(((0, 1), (0, 1))).
    pad_node(m, 'b_ar', 'b_pad', (0, 0, 1, 1), 13)
    w3, b3 = m.conv('b_pad', 'b_b', 16, 16, 3, group=16, strides=[2, 2])
    w4, b4 = m.conv('pool', 'b_d', 16, 16, 1, strides=[2, 2])
    m.node('Add', ['b_b', 'b_d'], ['b_s'])
    m.node('Relu', ['b_s'], ['b'])
    m.node('ReduceMean', ['b'], ['gap'], axes=[2, 3], keepdims=0)
    fw = m.init('fc_w', m.rand(16, 10, scale=0.3))
    fb = m.init('fc_b', m.rand(10, scale=0.1))
    m.node('MatMul', ['gap', 'fc_w'], ['mm'])
    m.node('Add', ['mm', 'fc_b'], ['logits'])
    m.node('Softmax', ['logits'], ['y'], axis=-1)

    stem = ref.relu(ref.batchnorm(ref.conv2d(zero_pad(x, (3, 3, 3, 3)), w1, b1, (2, 2)), *p1))
    pool = ref.maxpool(zero_pad(stem, (1, 1, 1, 1)), (3, 3), (2, 2))
    a = ref.relu(ref.conv2d(pool, w2, b2, pads=(1, 1, 1, 1)))
    bb = ref.conv2d(zero_pad(a, (0, 0, 1, 1)), w3, b3, (2, 2), group=16)
    blk = ref.relu(bb + ref.conv2d(pool, w4, b4, (2, 2)))
    logits = ref.gemm(ref.flatten(ref.global_avgpool(blk)), fw, fb)
    save(m, x, ref.softmax(logits, 1), dynamic=True)


def build():
    pad_conv('pad_conv', (2, 3, 15, 15), (3, 3, 3, 3), 8, 7, stride=2)
    pad_conv('pad_conv_asym', (2, 6, 9, 10), (0, 0, 1, 1), 6, 3, stride=2, group=6)
    pad_conv('pad_conv_own_pads', (2, 4, 8, 8), (1, 0, 2, 1), 5, 3, conv_pads=(1, 1, 1, 1))
    pad_conv('pad_conv_valid', (2, 4, 8, 8), (2, 2, 2, 2), 5, 3, auto_pad='VALID')
    pad_conv('pad_conv_opset10', (2, 3, 8, 8), (1, 2, 1, 2), 4, 3, opset=10)
    pad_conv('pad_conv_opset10_value0', (2, 3, 8, 8), (1, 1, 1, 1), 4, 3, opset=10, value=0.0)
    pad_conv('pad_conv_axes', (2, 3, 8, 8), (1, 2, 0, 1), 4, 3, opset=18, axes=[-2, -1])
    pad_conv('pad_conv_value0', (2, 3, 8, 8), (1, 1, 1, 1), 4, 3, value=0.0)
    pad_pool('pad_maxpool_relu', 'MaxPool', (2, 4, 11, 11), (1, 1, 1, 1), (3, 3), (2, 2), relu=True)
    pad_pool('pad_avgpool', 'AveragePool', (2, 3, 8, 8), (1, 1, 1, 1), (3, 3), (2, 2))
    pad_pool('pad_avgpool_include', 'AveragePool', (2, 3, 8, 8), (0, 1, 1, 0), (2, 2), (1, 1),
             pool_pads=(1, 1, 1, 1), include=1)

    # A Pad of a Pad: one border, their sum.
    m = Model('pad_pad_conv')
    x = m.rand(2, 3, 6, 6)
    pad_node(m, 'x', 'p1', (1, 0, 0, 1), 13)
    pad_node(m, 'p1', 'p2', (0, 2, 1, 0), 13)
    w, b = m.conv('p2', 'y', 3, 4, 3)
    save(m, x, ref.conv2d(zero_pad(x, (1, 2, 1, 1)), w, b))

    # A Pad of nothing is an Identity: any reader takes it.
    m = Model('pad_zero_gap')
    x = m.rand(2, 3, 5, 5)
    pad_node(m, 'x', 'p', (0, 0, 0, 0), 13)
    m.node('GlobalAveragePool', ['p'], ['y'])
    save(m, x, ref.global_avgpool(x))

    reduce_mean('reducemean_keep', 13, [2, 3], 1)
    reduce_mean('reducemean_flat', 13, [3, 2], 0)
    reduce_mean('reducemean_opset18', 18, [-1, -2], 0)
    keras_resnet_like()
