"""Writes tests/helpers/resize-fixture.json: a 53x41 RGB test card and PIL's resize of it to 24x16 (W x H, no crop)
with BILINEAR and BICUBIC, the resampling torchvision's Resize uses on PIL images (SEED's image transform).
The runtime resizes with libvips (sharp); tests/unit/runtime/image-io.test.ts checks it stays close to PIL.
Run with Debian's python: /usr/bin/python3 tests/helpers/make_resize_fixture.py
"""

import base64
import io
import json
import os

import numpy as np
from PIL import Image

y, x = np.mgrid[0:41, 0:53]
card = np.stack([x * 255 // 52, y * 255 // 40, ((x // 6 + y // 6) % 2) * 200 + 20], -1).astype(
    np.uint8
)  # gradients + checker
card[20:22, :] = [255, 255, 0]  # a thin hard line
buf = io.BytesIO()
Image.fromarray(card).save(buf, format="PNG")
out = {
    "description": __doc__.strip().splitlines()[0],
    "source_png_base64": base64.b64encode(buf.getvalue()).decode(),
    "size_hw": [16, 24],
}
for name, mode in [("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC)]:
    out[name] = np.asarray(Image.fromarray(card).resize((24, 16), mode)).reshape(-1).tolist()
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "resize-fixture.json"), "w") as f:
    json.dump(out, f)
