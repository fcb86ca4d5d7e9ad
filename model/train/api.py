"""Python API over the trained SEED-mini tokenizer, for the language model and for evaluation.

    from model.train.api import FrozenTokenizer, encode_images
    tok = FrozenTokenizer()                 # loads model/train/runs/tokenizer.done.pt (after TOKENIZER_DONE)
    ids = tok.encode(images)                # uint8 [B, 64, 64, 3] -> int64 [B, 32] in 0..1023
    ids = encode_images(images)             # same, loading the tokenizer on each call (convenient, slower)

The ids are exactly what the exported encoder.onnx + quantizer.onnx produce (up to fp16 weight rounding:
`FrozenTokenizer(fp16_exact=True)` rounds the weights as the export does, so ids match the package's).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .common import device as common_device
from .common import to_clip_pixels
from .onnx_fp16 import round_module_to_fp16
from .seed_mini import SeedMini
from .stages import load_tokenizer


class FrozenTokenizer:
    def __init__(
        self, fp16_exact: bool = True, device: str | torch.device | None = None, model: SeedMini | None = None
    ) -> None:
        self.model: SeedMini = model if model is not None else load_tokenizer()
        if fp16_exact:
            round_module_to_fp16(self.model)
        self.device = torch.device(device) if device is not None else common_device()
        self.model.to(self.device)

    @torch.no_grad()
    def encode_full(self, images: np.ndarray, batch: int = 256) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """uint8 [B, 64, 64, 3] -> (ids int64 [B, 32], causal embeddings [B, 32, D], attention maps [B, 32, 64])."""
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (64, 64, 3):
            raise ValueError(f"expected uint8 images [B, 64, 64, 3], got {images.dtype} {images.shape}")
        ids, causal, maps = [], [], []
        for i in range(0, len(images), batch):
            c, m = self.model.encode(to_clip_pixels(images[i : i + batch]).to(self.device))
            ids.append(self.model.quantizer.ids(self.model.encode_task_layer(c)).cpu())
            causal.append(c.cpu())
            maps.append(m.cpu())
        return torch.cat(ids), torch.cat(causal), torch.cat(maps)

    def encode(self, images: np.ndarray, batch: int = 256) -> np.ndarray:
        """uint8 [B, 64, 64, 3] -> int64 [B, 32]."""
        return self.encode_full(images, batch)[0].numpy()

    @torch.no_grad()
    def generation_embedding(self, ids: torch.Tensor, k: int = 32) -> torch.Tensor:
        """ids [B, 32] -> generation embedding [B, E] from the first k tokens only (prefix decoding)."""
        mask = (torch.arange(32)[None] < k).float().expand(len(ids), -1)
        return self.model.generation_embedding(ids.to(self.device), mask.to(self.device)).cpu()

    @torch.no_grad()
    def image_features(self, causal: torch.Tensor) -> torch.Tensor:
        return self.model.image_feature(causal.to(self.device)).cpu()

    @torch.no_grad()
    def text_features(self, text_ids: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.model.text_feature(text_ids.to(self.device)), dim=-1).cpu()


def encode_images(images: np.ndarray) -> np.ndarray:
    """uint8 [B, 64, 64, 3] -> int64 [B, 32] codes (loads the frozen tokenizer; keep a FrozenTokenizer for loops)."""
    return FrozenTokenizer().encode(images)
