"""NumPy reference implementations of the operators the inference core runs.

Written from the ONNX operator specification, independently of the C code:
convolution sums shifted strided slices of the padded input (no im2col),
pools reduce over explicit window slices, everything is computed in float64.
All tensors are NCHW.
"""
import numpy as np


def out_size(size, k, stride, dil, pad_begin, pad_end):
    eff = (k - 1) * dil + 1
    return (size + pad_begin + pad_end - eff) // stride + 1


def same_pads(hw, kernel, strides, dilations, upper):
    """auto_pad SAME_*: output ceil(in / stride); returns [t, l, b, r]."""
    begin, end = [], []
    for size, k, s, d in zip(hw, kernel, strides, dilations):
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        b = total // 2 if upper else total - total // 2
        begin.append(b)
        end.append(total - b)
    return begin + end


def _windows(xp, kh, kw, stride, dil, ho, wo):
    """Yield (ky, kx, slice) with slice[n, c, oy, ox] = xp[n, c, oy*s+ky*d, ox*s+kx*d]."""
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dil[0], kx * dil[1]
            yield ky, kx, xp[:, :, y0:y0 + (ho - 1) * stride[0] + 1:stride[0],
                             x0:x0 + (wo - 1) * stride[1] + 1:stride[1]]


def conv2d(x, w, b=None, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), group=1):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    assert c == cg * group and m % group == 0
    ho = out_size(h, kh, strides[0], dilations[0], pads[0], pads[2])
    wo = out_size(wd, kw, strides[1], dilations[1], pads[1], pads[3])
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    out = np.zeros((n, m, ho, wo))
    mg = m // group
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * mg:(g + 1) * mg]
        for ky, kx, win in _windows(xs, kh, kw, strides, dilations, ho, wo):
            out[:, g * mg:(g + 1) * mg] += np.einsum('nchw,mc->nmhw', win, ws[:, :, ky, kx])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None]
    return out


def maxpool(x, kernel, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1)):
    x = x.astype(np.float64)
    n, c, h, w = x.shape
    ho = out_size(h, kernel[0], strides[0], dilations[0], pads[0], pads[2])
    wo = out_size(w, kernel[1], strides[1], dilations[1], pads[1], pads[3])
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
                constant_values=-np.inf)
    out = np.full((n, c, ho, wo), -np.inf)
    for _, _, win in _windows(xp, kernel[0], kernel[1], strides, dilations, ho, wo):
        out = np.maximum(out, win)
    return out


def avgpool(x, kernel, strides=(1, 1), pads=(0, 0, 0, 0), count_include_pad=False):
    x = x.astype(np.float64)
    n, c, h, w = x.shape
    ho = out_size(h, kernel[0], strides[0], 1, pads[0], pads[2])
    wo = out_size(w, kernel[1], strides[1], 1, pads[1], pads[3])
    padding = ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3]))
    xp = np.pad(x, padding)
    ones = np.pad(np.ones((1, 1, h, w)), padding)
    total = np.zeros((n, c, ho, wo))
    count = np.zeros((1, 1, ho, wo))
    for (_, _, win), (_, _, cnt) in zip(_windows(xp, kernel[0], kernel[1], strides, (1, 1), ho, wo),
                                        _windows(ones, kernel[0], kernel[1], strides, (1, 1), ho, wo)):
        total += win
        count += cnt
    if count_include_pad:
        return total / (kernel[0] * kernel[1])
    return total / count


def global_avgpool(x):
    return x.astype(np.float64).mean(axis=(2, 3), keepdims=True)


def batchnorm(x, gamma, beta, mean, var, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x = x.astype(np.float64)
    return ((x - mean.reshape(shape)) / np.sqrt(var.astype(np.float64).reshape(shape) + eps)
            * gamma.reshape(shape) + beta.reshape(shape))


def relu(x):
    return np.maximum(x, 0.0)


def clip(x, lo=-np.inf, hi=np.inf):
    return np.minimum(np.maximum(x, lo), hi)


def gemm(a, b, c=None, alpha=1.0, beta=1.0, trans_b=False):
    b = b.astype(np.float64)
    y = alpha * (a.astype(np.float64) @ (b.T if trans_b else b))
    if c is not None:
        y = y + beta * c.astype(np.float64)
    return y


def flatten(x, axis=1):
    if axis < 0:
        axis += x.ndim
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def reshape(x, shape):
    """ONNX Reshape (allowzero=0): 0 copies the input's dimension."""
    target = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(target)


def softmax(x, axis, legacy=False):
    x = x.astype(np.float64)
    if axis < 0:
        axis += x.ndim
    if legacy:
        # opset < 13: coerce to 2-D [prod(:axis), prod(axis:)] and normalise rows
        flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
        e = np.exp(flat - flat.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(x.shape)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def concat(xs, axis):
    return np.concatenate([v.astype(np.float64) for v in xs], axis=axis)
