"""Shared pieces of the test model generator: a Model that collects nodes
and initializers, and the functions that write models, inputs and references.
Imported by gen_models.py once it has checked that numpy and onnx exist."""
import os
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
CHECKABLE_OPSET = onnx.defs.onnx_opset_version()
OUT = '.'
MANIFEST = []


def set_output(outdir):
    global OUT
    OUT = outdir


class Model:
    """Collects nodes and initializers for one model."""

    def __init__(self, name, opset=13):
        self.name = name
        self.opset = opset
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes = []
        self.inits = []

    def rand(self, *shape, scale=1.0):
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def init(self, name, arr, raw=True):
        """A float32/int64 initializer, as raw_data or in the typed field."""
        if raw:
            self.inits.append(numpy_helper.from_array(arr, name))
        else:
            dtype = FLOAT if arr.dtype == np.float32 else TensorProto.INT64
            self.inits.append(helper.make_tensor(name, dtype, arr.shape, arr.flatten().tolist()))
        return arr

    def weight(self, name, *shape, raw=True):
        """He-scaled random weight, so activations stay near 1."""
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        return self.init(name, self.rand(*shape, scale=np.sqrt(2.0 / fan_in)), raw)

    def node(self, op, inputs, outputs, name=None, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name or outputs[0], **attrs))

    def conv(self, x, y, cin, cout, k, bias=True, group=1, **attrs):
        w = self.weight(y + '_w', cout, cin // group, k, k)
        b = self.init(y + '_b', self.rand(cout, scale=0.1)) if bias else None
        self.node('Conv', [x, y + '_w'] + ([y + '_b'] if bias else []), [y], group=group, **attrs)
        return w, b

    def bn(self, x, y, c):
        p = [self.init(y + '_g', self.rng.uniform(0.5, 1.5, c).astype(np.float32)),
             self.init(y + '_b', self.rand(c, scale=0.1)),
             self.init(y + '_m', self.rand(c, scale=0.1)),
             self.init(y + '_v', self.rng.uniform(0.5, 1.5, c).astype(np.float32))]
        self.node('BatchNormalization', [x, y + '_g', y + '_b', y + '_m', y + '_v'], [y])
        return p

    def build(self, in_shape, out_shape=None, dynamic=False, ir=None, check=True):
        dims = ['N'] + list(in_shape[1:]) if dynamic else list(in_shape)
        if out_shape is not None:
            out_shape = ['N'] + list(out_shape[1:]) if dynamic else list(out_shape)
        graph = helper.make_graph(self.nodes, self.name,
                                  [helper.make_tensor_value_info('x', FLOAT, dims)],
                                  [helper.make_tensor_value_info('y', FLOAT, out_shape)],
                                  initializer=self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', self.opset)],
                                  producer_name='scaled-tests')
        if ir is not None:
            model.ir_version = ir
            if ir < 4:
                # IR 3 lists every initializer among the graph inputs too.
                for t in self.inits:
                    model.graph.input.append(helper.make_tensor_value_info(
                        t.name, t.data_type, list(t.dims)))
        if check and self.opset <= CHECKABLE_OPSET:
            onnx.checker.check_model(model)
        return model


MANIFEST = []


def save(m, x, y, tol=1e-4, **build):
    """Write Model m with input x and reference output y."""
    y = np.asarray(y)
    model = m.build(x.shape, y.shape, **build)
    name = model.graph.name
    onnx.save(model, os.path.join(OUT, name + '.onnx'))
    x.astype('<f4').tofile(os.path.join(OUT, name + '.in'))
    y.astype('<f4').tofile(os.path.join(OUT, name + '.ref'))
    MANIFEST.append('%s %d %g' % (name, x.shape[0], tol))


def save_bad(model):
    onnx.save(model, os.path.join(OUT, model.graph.name + '.onnx'))

