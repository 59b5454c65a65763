"""Reference values for Resize2dTest: F.interpolate(mode='bilinear', antialias=False) restated in numpy.

Per output pixel (float64): source coordinate (i + 0.5) * in / out - 0.5 clamped at 0 (align_corners=False) or
i * (in - 1) / (out - 1) (align_corners=True); the two neighbours i0 = floor(src), i1 = min(i0 + 1, in - 1) weighted
by 1 - frac and frac, first along W then along H. Run: python3 gen_resize.py > resize_cases.json
"""
import json

import numpy as np


def src_index(i, n_in, n_out, align):
    if align:
        return i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    s = (i + 0.5) * n_in / n_out - 0.5
    return max(s, 0.0)


def resize(x, oh, ow, align):
    *lead, h, w = x.shape
    out = np.zeros((*lead, oh, ow))
    for y in range(oh):
        sy = src_index(y, h, oh, align)
        y0 = int(np.floor(sy)); y1 = min(y0 + 1, h - 1); fy = sy - y0
        for xo in range(ow):
            sx = src_index(xo, w, ow, align)
            x0 = int(np.floor(sx)); x1 = min(x0 + 1, w - 1); fx = sx - x0
            top = (1 - fx) * x[..., y0, x0] + fx * x[..., y0, x1]
            bottom = (1 - fx) * x[..., y1, x0] + fx * x[..., y1, x1]
            out[..., y, xo] = (1 - fy) * top + fy * bottom
    return out


rng = np.random.default_rng(0)
cases = []
for shape, (oh, ow), align in [((1, 2, 5, 7), (3, 4), False),     # downsampling: where antialiasing would differ
                               ((1, 1, 16, 16), (3, 5), False),    # strong downsampling
                               ((1, 1, 4, 3), (9, 10), False),     # upsampling
                               ((2, 3, 6, 6), (6, 4), False),      # one axis unchanged
                               ((1, 1, 7, 5), (3, 8), True),       # aligned corners
                               ((1, 2, 8, 8), (32, 32), False)]:   # the head's 4x upsampling of logits
    x = rng.standard_normal(shape).astype(np.float32)
    cases.append({"shape": list(shape), "out": [oh, ow], "align_corners": align,
                  "input": [float(v) for v in x.ravel()],
                  "expected": [float(v) for v in resize(x.astype(np.float64), oh, ow, align).ravel()]})
print(json.dumps({"cases": cases}))
