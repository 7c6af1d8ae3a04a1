"""Models the inference core must refuse, written as bad_*.onnx. What each
refusal must say is listed in test_infer_refusal.c."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

from model_builder import FLOAT, Model, save_bad


def build():
    def relu_model(name, opset=13, ir=None):
        m = Model(name, opset)
        m.node('Relu', ['x'], ['y'])
        return m.build((1, 3, 4, 4), ir=ir, check=False)

    save_bad(relu_model('bad_opset6', opset=6))
    save_bad(relu_model('bad_opset22', opset=22))
    save_bad(relu_model('bad_ir2', ir=2))

    def relu_model_shape(name, shape):
        m = Model(name)
        m.node('Relu', ['x'], ['y'])
        return m.build(shape, check=False)

    def graph_of(name, nodes, in_shape=(2, 3, 8, 8), opset=13, dynamic=False, build=None):
        m = Model(name, opset)
        if build:
            build(m)
        for n in nodes:
            m.nodes.append(n)
        save_bad(m.build(in_shape, dynamic=dynamic, check=False))

    N = helper.make_node
    graph_of('bad_unknown_op', [N('FooBar', ['x'], ['y'], name='weird')])
    graph_of('bad_domain', [N('Relu', ['x'], ['y'], name='ms', domain='com.microsoft')])
    graph_of('bad_missing_init', [N('Conv', ['x', 'w_missing'], ['y'], name='conv1')])
    graph_of('bad_order', [N('Relu', ['a'], ['y'], name='second'), N('Relu', ['x'], ['a'], name='first')])
    graph_of('bad_dup_output', [N('Relu', ['x'], ['y'], name='r1'), N('Relu', ['x'], ['y'], name='r2')])
    graph_of('bad_auto_pad', [N('Conv', ['x', 'w'], ['y'], name='conv1', auto_pad='GARBAGE')],
             build=lambda m: m.weight('w', 4, 3, 3, 3))
    graph_of('bad_conv_attr', [N('Conv', ['x', 'w'], ['y'], name='conv1', foo=3)],
             build=lambda m: m.weight('w', 4, 3, 3, 3))
    graph_of('bad_conv_channels', [N('Conv', ['x', 'w'], ['y'], name='conv1')],
             build=lambda m: m.weight('w', 4, 5, 3, 3))
    graph_of('bad_conv_1d', [N('Conv', ['x', 'w'], ['y'], name='conv1')],
             build=lambda m: m.weight('w', 4, 3, 3))
    graph_of('bad_gemm_shape', [N('Flatten', ['x'], ['f'], name='flat'),
                                N('Gemm', ['f', 'w'], ['y'], name='fc', transB=1)],
             in_shape=(2, 2, 3, 3), build=lambda m: m.weight('w', 10, 20))
    graph_of('bad_gemm_transa', [N('Flatten', ['x'], ['f']), N('Gemm', ['f', 'w'], ['y'], name='fc', transA=1)],
             in_shape=(2, 2, 3, 3), build=lambda m: m.weight('w', 2, 10))
    graph_of('bad_ceil_mode', [N('MaxPool', ['x'], ['y'], name='pool', kernel_shape=[3, 3], ceil_mode=1)],
             opset=12)
    graph_of('bad_pool_kernel', [N('MaxPool', ['x'], ['y'], name='pool', kernel_shape=[9, 9])])
    graph_of('bad_concat_batch', [N('Concat', ['x', 'x'], ['y'], name='cat', axis=0)])
    graph_of('bad_softmax_batch', [N('Softmax', ['x'], ['y'], name='sm', axis=0)])
    graph_of('bad_add_broadcast', [N('Add', ['x', 'c'], ['y'], name='add')],
             build=lambda m: m.init('c', m.rand(3, 1, 8)))
    graph_of('bad_add_shapes', [N('MaxPool', ['x'], ['p'], kernel_shape=[2, 2], strides=[2, 2]),
                                N('Add', ['x', 'p'], ['y'], name='add')])
    graph_of('bad_reshape_count', [N('Reshape', ['x', 's'], ['y'], name='rs')],
             build=lambda m: m.init('s', np.array([0, 7], np.int64)))
    graph_of('bad_reshape_input', [N('Relu', ['x'], ['r']), N('Reshape', ['x', 'r'], ['y'], name='rs')])
    graph_of('bad_dynamic_reshape', [N('Reshape', ['x', 's'], ['y'], name='rs')], dynamic=True,
             build=lambda m: m.init('s', np.array([1, -1], np.int64)))
    graph_of('bad_clip_input', [N('Relu', ['x'], ['r']), N('Clip', ['x', 'r'], ['y'], name='clip')])
    # Pad and ReduceMean: only what a Conv or pool can take / a GlobalAveragePool is.
    def pads(m, *p, name='pads'):
        m.init(name, np.array(p, np.int64))

    def padded(name, reader, pad=(0, 0, 1, 1, 0, 0, 1, 1), build=None, **attrs):
        def b(m):
            pads(m, *pad)
            if build:
                build(m)
        graph_of(name, [N('Pad', ['x', 'pads'], ['p'], name='pad', **attrs)] + reader, build=b)

    padded('bad_pad_mode', [N('Conv', ['p', 'w'], ['y'], name='conv1')], mode='reflect',
           build=lambda m: m.weight('w', 4, 3, 3, 3))
    graph_of('bad_pad_value', [N('Pad', ['x', 'pads', 'v'], ['p'], name='pad'),
                               N('Conv', ['p', 'w'], ['y'], name='conv1')],
             build=lambda m: (pads(m, 0, 0, 1, 1, 0, 0, 1, 1), m.init('v', np.array(1.5, np.float32)),
                              m.weight('w', 4, 3, 3, 3)))
    padded('bad_pad_channels', [N('Conv', ['p', 'w'], ['y'], name='conv1')], pad=(0, 1, 0, 0, 0, 0, 0, 0),
           build=lambda m: m.weight('w', 4, 4, 3, 3))
    padded('bad_pad_negative', [N('Conv', ['p', 'w'], ['y'], name='conv1')], pad=(0, 0, -1, 0, 0, 0, 0, 0),
           build=lambda m: m.weight('w', 4, 3, 3, 3))
    padded('bad_pad_count', [N('Conv', ['p', 'w'], ['y'], name='conv1')], pad=(1, 1, 1, 1),
           build=lambda m: m.weight('w', 4, 3, 3, 3))
    padded('bad_pad_reader', [N('Relu', ['p'], ['y'], name='act')])
    padded('bad_pad_output', [N('Relu', ['x'], ['r'], name='act'), N('Pad', ['r', 'pads'], ['y'], name='pad2')])
    padded('bad_pad_same', [N('Conv', ['p', 'w'], ['y'], name='conv1', auto_pad='SAME_UPPER')],
           build=lambda m: m.weight('w', 4, 3, 3, 3))
    padded('bad_pad_maxpool', [N('MaxPool', ['p'], ['y'], name='pool', kernel_shape=[3, 3])])
    padded('bad_pad_avgpool', [N('AveragePool', ['p'], ['y'], name='pool', kernel_shape=[3, 3],
                                 pads=[1, 1, 1, 1])])
    graph_of('bad_reducemean_axes', [N('ReduceMean', ['x'], ['y'], name='mean', axes=[1, 2])])
    graph_of('bad_reducemean_all', [N('ReduceMean', ['x'], ['y'], name='mean')])
    # Shape arithmetic: only lists of dimensions, each a*N + b.
    def shape_of(m):
        m.init('i0', np.array(0, np.int64))
        m.init('ax0', np.array([0], np.int64))
    graph_of('bad_shape_square', [N('Shape', ['x'], ['s']), N('Gather', ['s', 'i0'], ['n']),
                                  N('Mul', ['n', 'n'], ['nn'], name='square'),
                                  N('Unsqueeze', ['nn', 'ax0'], ['t']),
                                  N('Reshape', ['x', 't'], ['y'])], build=shape_of)
    graph_of('bad_mul_tensor', [N('Mul', ['x', 'k'], ['y'], name='scale')],
             build=lambda m: m.init('k', np.array(2.0, np.float32)))
    graph_of('bad_gather_tensor', [N('Gather', ['x', 'i0'], ['y'], name='pick')], build=shape_of)
    graph_of('bad_gather_index', [N('Shape', ['x'], ['s']), N('Gather', ['s', 'i7'], ['y'], name='pick')],
             build=lambda m: m.init('i7', np.array(7, np.int64)))
    graph_of('bad_shape_output', [N('Shape', ['x'], ['y'], name='shape')])
    graph_of('bad_shape_reader', [N('Shape', ['x'], ['s'], name='shape'), N('Relu', ['s'], ['y'], name='act')])
    graph_of('bad_cast_float', [N('Shape', ['x'], ['s']), N('Cast', ['s'], ['y'], name='cast', to=1)])
    # Found by review: arithmetic that overflows, a target that is a size at
    # some batches only, a Clip that is never >= 0, pads past any size,
    # a Pad reusing a name.
    graph_of('bad_div_min', [N('Div', ['lo', 'm1'], ['q'], name='div'), N('Reshape', ['x', 'q'], ['y'])],
             build=lambda m: (m.init('lo', np.array([-2 ** 63], np.int64)),
                              m.init('m1', np.array([-1], np.int64))))
    graph_of('bad_mul_overflow', [N('Shape', ['x'], ['s']), N('Mul', ['s', 'big'], ['t'], name='mul'),
                                  N('Reshape', ['x', 't'], ['y'])],
             build=lambda m: m.init('big', np.array(2 ** 61, np.int64)))
    graph_of('bad_reshape_nonlinear', [N('Shape', ['x'], ['s']), N('Gather', ['s', 'i0'], ['n']),
                                       N('Unsqueeze', ['n', 'ax0'], ['n1']),
                                       N('Mul', ['n1', 'three'], ['n3']), N('Sub', ['n3', 'three'], ['k']),
                                       N('Concat', ['n1', 'k', 'm1'], ['t'], axis=0),
                                       N('Reshape', ['x', 't'], ['y'], name='rs')],
             dynamic=True,
             build=lambda m: (shape_of(m), m.init('three', np.array([3], np.int64)),
                              m.init('m1', np.array([-1], np.int64))))
    graph_of('bad_clip_negative', [N('Clip', ['x', 'zero', 'm1'], ['c']), N('Pad', ['c', 'pads'], ['p']),
                                   N('MaxPool', ['p'], ['y'], name='pool', kernel_shape=[2, 2], strides=[2, 2])],
             build=lambda m: (pads(m, 0, 0, 1, 1, 0, 0, 1, 1), m.init('zero', np.array(0, np.float32)),
                              m.init('m1', np.array(-1, np.float32))))
    padded('bad_pad_huge', [N('Conv', ['p', 'w'], ['y'], name='conv1')], pad=(0, 0, 2 ** 62, 0, 0, 0, 0, 0),
           build=lambda m: m.weight('w', 4, 3, 3, 3))
    graph_of('bad_pad_name', [N('Shape', ['x'], ['s']), N('Pad', ['x', 'pads'], ['s'], name='pad'),
                              N('Relu', ['x'], ['y'])],
             build=lambda m: pads(m, 0, 0, 1, 1, 0, 0, 1, 1))
    # Issue 9 (B10): sizes whose product or sum wraps around 64 bits.
    # [-1, 2, 2^62, 2] wraps the known product to 0, which the -1 was
    # divided by (SIGFPE), with a fixed and with a dynamic batch.
    graph_of('bad_reshape_wrap', [N('Reshape', ['x', 's'], ['y'], name='rs')], in_shape=(1, 3, 8, 8),
             build=lambda m: m.init('s', np.array([-1, 2, 2 ** 62, 2], np.int64)))
    graph_of('bad_reshape_wrap_dyn', [N('Reshape', ['x', 's'], ['y'], name='rs')], in_shape=(1, 3, 8, 8),
             dynamic=True, build=lambda m: m.init('s', np.array([-1, 2, 2 ** 62, 2], np.int64)))
    # (3 - 1) * 2^62 + 1: the effective window wraps negative.
    graph_of('bad_window_wrap', [N('MaxPool', ['x'], ['y'], name='pool', kernel_shape=[3, 3],
                                   dilations=[2 ** 62, 1])])
    # A 1x1 window ignores its dilation in the output size, but not in
    # the CPU kernel's tap ranges: pad + dilation wrapped there.
    graph_of('bad_dilation_k1', [N('MaxPool', ['x'], ['y'], name='pool', kernel_shape=[1, 1],
                                   dilations=[2 ** 63 - 1, 1], pads=[5, 0, 0, 0])])
    # 8 + (2^63 - 1): the padded size wraps negative.
    graph_of('bad_pads_wrap', [N('Conv', ['x', 'w'], ['y'], name='conv1', pads=[2 ** 63 - 1, 0, 0, 0])],
             build=lambda m: m.weight('w', 4, 3, 3, 3))
    # A batch of 2^63 - 1 (the second trial batch adds one), and C*H*W
    # of 2^63.
    save_bad(relu_model_shape('bad_input_batch', (2 ** 63 - 1, 3, 4, 4)))
    save_bad(relu_model_shape('bad_input_size', (1, 2 ** 21, 2 ** 21, 2 ** 21)))
    # No data, so no size check, yet a dimension of 2^40.
    graph_of('bad_weight_zero_dim', [N('Flatten', ['x'], ['f']), N('MatMul', ['f', 'w'], ['y'], name='fc')],
             build=lambda m: m.inits.append(helper.make_tensor('w', FLOAT, [0, 2 ** 40], [])))
    graph_of('bad_dtype', [N('Conv', ['x', 'w'], ['y'], name='conv1')],
             build=lambda m: m.inits.append(numpy_helper.from_array(np.zeros((4, 3, 3, 3)), 'w')))

    def short_raw(m):
        t = numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), 'w')
        t.raw_data = t.raw_data[:10]
        m.inits.append(t)
    graph_of('bad_raw_size', [N('Conv', ['x', 'w'], ['y'], name='conv1')], build=short_raw)

    def external(m):
        t = numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), 'w')
        t.ClearField('raw_data')
        t.data_location = TensorProto.EXTERNAL
        t.external_data.add(key='location', value='weights.bin')
        m.inits.append(t)
    graph_of('bad_external', [N('Conv', ['x', 'w'], ['y'], name='conv1')], build=external)

    # Two image inputs; a 3-D input; an output that is a constant.
    m = Model('bad_two_inputs')
    m.node('Add', ['x', 'x2'], ['y'], name='add')
    g = m.build((1, 3, 4, 4), check=False)
    g.graph.input.append(helper.make_tensor_value_info('x2', FLOAT, [1, 3, 4, 4]))
    save_bad(g)

    m = Model('bad_input_rank')
    m.node('Relu', ['x'], ['y'])
    save_bad(m.build((2, 3, 8), check=False))

    m = Model('bad_output_const')
    m.node('Relu', ['x'], ['r'])
    m.init('y', np.zeros(3, np.float32))
    save_bad(m.build((1, 3, 4, 4), check=False))

