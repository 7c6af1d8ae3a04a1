"""Models whose Reshape target is computed from a shape at run time, the
way exporters keep a batch dynamic: older PyTorch's x.view(x.size(0), -1)
(Shape, Gather, Unsqueeze, Concat), tf2onnx's Flatten (Shape, Slice, Cast,
Concat), and products and quotients of dimensions. The loader evaluates
these at load (cuda/onnx/onnx_shape.c); every model here has a dynamic batch,
so a target fixed at the export batch would be refused."""
import numpy as np
from onnx import numpy_helper

import reference as ref
from model_builder import Model, save


def classifier_tail(m, x, flat):
    """GAP -> [target computed by flat()] Reshape -> Gemm; returns the
    reference output."""
    m.node('GlobalAveragePool', ['x'], ['gap'])
    flat(m)
    m.node('Reshape', ['gap', 'target'], ['f'], name='flatten')
    w = m.init('fc_w', m.rand(6, x.shape[1], scale=0.5))
    b = m.init('fc_b', m.rand(6, scale=0.1))
    m.node('Gemm', ['f', 'fc_w', 'fc_b'], ['y'], transB=1)
    return ref.gemm(ref.flatten(ref.global_avgpool(x)), w, b, trans_b=True)


def int_tensor(v):
    """A Constant node's int64 value."""
    return numpy_helper.from_array(np.array(v, np.int64), 'c')


def torch_view(opset):
    """Shape -> Gather(0) -> Unsqueeze, Constant(-1) -> Unsqueeze, Concat."""
    m = Model('flatten_by_shape_opset%d' % opset, opset)
    x = m.rand(3, 5, 4, 4)

    def flat(m):
        m.node('Shape', ['gap'], ['shape'])
        m.init('zero', np.array(0, np.int64))
        m.node('Gather', ['shape', 'zero'], ['n'], axis=0)
        m.node('Constant', [], ['minus1'], value=int_tensor(-1))
        if opset < 13:
            m.node('Unsqueeze', ['n'], ['n1'], axes=[0])
            m.node('Unsqueeze', ['minus1'], ['m1'], axes=[0])
        else:
            m.init('ax0', np.array([0], np.int64))
            m.node('Unsqueeze', ['n', 'ax0'], ['n1'])
            m.node('Unsqueeze', ['minus1', 'ax0'], ['m1'])
        m.node('Concat', ['n1', 'm1'], ['target'], axis=0)
    save(m, x, classifier_tail(m, x, flat), dynamic=True)


def tf2onnx_flatten():
    """Shape -> Cast -> Slice [0:1] -> Concat with [-1]."""
    m = Model('flatten_by_slice')
    x = m.rand(2, 4, 3, 3)

    def flat(m):
        m.node('Shape', ['gap'], ['shape'])
        m.node('Cast', ['shape'], ['shape64'], to=7)
        for name, v in (('s0', [0]), ('s1', [1]), ('sax', [0]), ('sstep', [1]), ('m1', [-1])):
            m.init(name, np.array(v, np.int64))
        m.node('Slice', ['shape64', 's0', 's1', 'sax', 'sstep'], ['n1'])
        m.node('Concat', ['n1', 'm1'], ['target'], axis=0)
    save(m, x, classifier_tail(m, x, flat), dynamic=True)


def shape_start_end():
    """Opset 15's Shape(start, end) and dimensions multiplied together:
    [N, C * H * W] from Shape's pieces, into a Reshape with allowzero=1."""
    m = Model('reshape_by_products', 15)
    x = m.rand(2, 3, 4, 5)
    m.node('Shape', ['x'], ['n1'], start=0, end=1)
    m.node('Shape', ['x'], ['chw'], start=-3)
    for i, name in enumerate(('c', 'h', 'w')):
        m.init('i%d' % i, np.array(i, np.int64))
        m.node('Gather', ['chw', 'i%d' % i], [name])
    m.node('Mul', ['c', 'h'], ['ch'])
    m.node('Mul', ['ch', 'w'], ['size'])
    m.init('ax0', np.array([0], np.int64))
    m.node('Unsqueeze', ['size', 'ax0'], ['size1'])
    m.node('Concat', ['n1', 'size1'], ['target'], axis=0)
    # allowzero: a 0 in the target is a 0, so N must really be there.
    m.node('Reshape', ['x', 'target'], ['y'], allowzero=1)
    save(m, x, x.reshape(2, -1), dynamic=True)


def shape_div():
    """[N, C / 2, -1] from Shape through Div, Slice, Add, Mul and Sub with
    broadcasting: ([N, C/2] + C) - [0, C] - [C, 0] = [N, C/2]."""
    m = Model('reshape_by_quotient', 13)
    x = m.rand(2, 4, 3, 3)
    m.node('Shape', ['x'], ['s'])
    m.init('half', np.array([1, 2, 1, 1], np.int64))
    m.node('Div', ['s', 'half'], ['sh'])
    for name, v in (('a0', [0]), ('a1', [1]), ('a2', [2]), ('one', [1])):
        m.init(name, np.array(v, np.int64))
    m.node('Slice', ['sh', 'a0', 'a2'], ['nc'])
    m.node('Slice', ['s', 'a1', 'a2'], ['c'])
    m.node('Add', ['nc', 'c'], ['ncc'])
    m.init('cmask', np.array([0, 1], np.int64))
    m.node('Mul', ['c', 'cmask'], ['c0'])
    m.init('nmask', np.array([1, 0], np.int64))
    m.node('Mul', ['c', 'nmask'], ['c1'])
    m.node('Sub', ['ncc', 'c0'], ['tmp'])
    m.node('Sub', ['tmp', 'c1'], ['n_half'])
    m.init('m1', np.array([-1], np.int64))
    m.node('Concat', ['n_half', 'm1'], ['target'], axis=0)
    m.node('Reshape', ['x', 'target'], ['y'])
    save(m, x, x.reshape(2, 2, -1), dynamic=True)


def slice_edges():
    """A Slice with step INT64_MAX (one element, no overflow walking it) and
    a list of none broadcast against one value ([] * [2] is [])."""
    m = Model('reshape_by_slice_edges')
    x = m.rand(2, 3, 4, 4)
    m.node('Shape', ['x'], ['s'])
    for name, v in (('z', [0]), ('one', [1]), ('four', [4]), ('big', [2 ** 63 - 1]),
                    ('two', [2]), ('m1', [-1])):
        m.init(name, np.array(v, np.int64))
    m.node('Slice', ['s', 'z', 'one'], ['n'])
    m.node('Slice', ['s', 'one', 'four', 'z', 'big'], ['c'])
    m.node('Slice', ['s', 'four', 'four'], ['none'])
    m.node('Mul', ['none', 'two'], ['none2'])
    m.node('Concat', ['n', 'c', 'none2', 'm1'], ['target'], axis=0)
    m.node('Reshape', ['x', 'target'], ['y'])
    save(m, x, x.reshape(2, 3, 16), dynamic=True)


def build():
    torch_view(11)
    torch_view(13)
    tf2onnx_flatten()
    shape_start_end()
    shape_div()
    slice_edges()
