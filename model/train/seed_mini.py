"""SEED-mini tokenizer + detokenizer as one trainable module, with the stage-b losses.

Losses (SEED stage 1 + stage 2, trained jointly here because the ViT is not pretrained):
  * contrastive: last causal query (projected) vs the text encoder's CLS, symmetric InfoNCE, label smoothing 0.1
  * VQ commitment (beta 0.25) on the encode_task_layer output; the codebook itself is updated by EMA
  * 2 * (1 - cos) reconstruction of the causal embeddings from the codes (on the tokens that are kept)
  * tail drop: a random prefix of k tokens is kept (k = 32 half the time, else log-uniform in 1..31), the rest
    are replaced by the mask embedding; the generation embedding regresses the image average-pooled to 32x32
    (MSE, in [-1, 1]) through a training-only head (SEED regresses the CLIP-H image embedding instead). Gradients reach the encoder through the straight-through estimator.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .text_encoder import TextEncoder
from .tokenizer import CODE_DIM, EMBED_DIM, NUM_TOKENS, CausalQFormer, Detokenizer, VectorQuantizer, ViT

GEN_DIM = 256


def sample_prefix_mask(batch: int, generator: torch.Generator, p_full: float = 0.5) -> Tensor:
    """token_mask [B, 32] float: ones for the first k tokens. k = 32 with prob p_full, else log-uniform 1..31."""
    u = torch.rand(batch, generator=generator)
    k = torch.exp(torch.rand(batch, generator=generator) * math.log(NUM_TOKENS)).floor().clamp(1, NUM_TOKENS - 1)
    k = torch.where(u < p_full, torch.full_like(k, NUM_TOKENS), k)
    return (torch.arange(NUM_TOKENS)[None, :] < k[:, None]).float()


class SeedMini(nn.Module):
    def __init__(self, vocab_size: int, target_numel: int) -> None:
        super().__init__()
        self.vit = ViT()
        self.qformer = CausalQFormer()
        self.encode_task_layer = nn.Sequential(nn.Linear(EMBED_DIM, EMBED_DIM), nn.Tanh(),
                                               nn.Linear(EMBED_DIM, CODE_DIM))
        self.quantizer = VectorQuantizer()
        self.detokenizer = Detokenizer(out_dim=GEN_DIM)
        # training-only heads
        self.target_head = nn.Sequential(nn.Linear(GEN_DIM, 512), nn.GELU(), nn.Linear(512, target_numel))
        self.text = TextEncoder(vocab_size)
        self.img_proj = nn.Linear(EMBED_DIM, 128)
        self.txt_proj = nn.Linear(128, 128)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode(self, pixels: Tensor) -> tuple[Tensor, Tensor]:
        """pixels [B, 3, 64, 64] normalised -> causal embeddings [B, 32, D], attention maps [B, 32, 64]."""
        return self.qformer(self.vit(pixels))

    def image_feature(self, causal: Tensor) -> Tensor:
        """Retrieval feature: the LAST causal query, projected and L2-normalised -> [B, 128]."""
        return F.normalize(self.img_proj(causal[:, -1]), dim=-1)

    def text_feature(self, text_ids: Tensor) -> Tensor:
        return F.normalize(self.txt_proj(self.text(text_ids)), dim=-1)

    def generation_embedding(self, ids: Tensor, token_mask: Tensor) -> Tensor:
        codes = F.embedding(ids, self.quantizer.embedding)
        return self.detokenizer.embed(self.detokenizer.hidden(codes, token_mask))

    def loss(self, pixels: Tensor, text_ids: Tensor, target: Tensor, token_mask: Tensor
             ) -> tuple[Tensor, dict[str, float], Tensor]:
        """Returns (total loss, stats, z [B*32, C] for dead-code restarts). target [B, 3, 32, 32] in [-1, 1]."""
        causal, _ = self.encode(pixels)                                   # [B, 32, D]
        z = self.encode_task_layer(causal)                                # [B, 32, C]
        zq, ids, commit = self.quantizer(z)
        # contrastive (labels smoothed 0.1, symmetric)
        img_f, txt_f = self.image_feature(causal), self.text_feature(text_ids)
        logits = self.logit_scale.exp().clamp(max=100) * img_f @ txt_f.t()
        labels = torch.arange(len(logits))
        itc = 0.5 * (F.cross_entropy(logits, labels, label_smoothing=0.1)
                     + F.cross_entropy(logits.t(), labels, label_smoothing=0.1))
        # detokenizer with tail drop
        h = self.detokenizer.hidden(zq, token_mask)                       # [B, 32, D]
        gen = self.detokenizer.embed(h)                                   # [B, E]
        pred = self.target_head(gen)
        img_mse = (pred - target.flatten(1)).pow(2).mean()
        cos = F.cosine_similarity(self.detokenizer.recon(h), causal.detach(), dim=-1)      # [B, 32]
        recon = ((1 - cos) * token_mask).sum() / token_mask.sum()
        total = itc + 0.25 * commit + 2.0 * recon + 4.0 * img_mse
        acc = float((logits.argmax(1) == labels).float().mean())
        stats = {"itc": float(itc), "acc": acc, "commit": float(commit), "recon": float(recon),
                 "img": float(img_mse), "codes": float(ids.unique().numel())}
        return total, stats, z.detach().reshape(-1, z.shape[-1])
