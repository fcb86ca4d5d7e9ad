"""SEED-mini tokenizer + detokenizer as one trainable module, with the stage-b losses.

Losses (SEED stage 1 + stage 2, trained jointly here because the ViT is not pretrained):
  * contrastive: last causal query (projected) vs the text encoder's CLS, symmetric InfoNCE, label smoothing 0.1
  * VQ commitment (beta 0.25) on the encode_task_layer output; the codebook itself is updated by EMA
  * 2 * (1 - cos) reconstruction of the causal embeddings from the codes (on the tokens that are kept)
  * tail drop: a random prefix of k tokens is kept (k = 32 half the time, else log-uniform in 1..31), the rest
    are replaced by the mask embedding; the generation embedding regresses the image average-pooled to 32x32
    (MSE, in [-1, 1]) through a training-only head. Gradients reach the encoder through the straight-through estimator.
  * semantic target (v2): SEED regresses the generation embedding onto the CLIP-H image embedding, a *semantic*
    target. SEED-mini has no pretrained CLIP, and a 32x32 picture is dominated by the background: the first
    SEED-mini tokenizer carried no object layout at all (model.train.probe). So a training-only AttributeHead reads
    the scene's per-cell attributes (identity, colour, size per 3x3 cell, background) from the generation
    embedding (under the same tail drop: a prefix of k tokens predicts what it can), and a second one from the
    continuous causal embeddings (a direct signal for the ViT and Q-Former, which SEED inherits from BLIP-2).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attributes import AttributeHead, attribute_loss
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
        self.attr_head = AttributeHead(GEN_DIM)                          # semantic target of the generation embedding
        self.causal_down = nn.Linear(EMBED_DIM, 32)
        self.causal_attr_head = AttributeHead(NUM_TOKENS * 32)           # the same, from the causal embeddings

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

    def loss(self, pixels: Tensor, text_ids: Tensor, target: Tensor, token_mask: Tensor, attributes: Tensor
             ) -> tuple[Tensor, dict[str, Tensor], Tensor]:
        """Returns (total loss, stats, z [B*32, C] for dead-code restarts). target [B, 3, 32, 32] in [-1, 1];
        attributes [B, 28] int64 (model.train.attributes.scene_targets)."""
        causal, _ = self.encode(pixels)                                   # [B, 32, D]
        z = self.encode_task_layer(causal)                                # [B, 32, C]
        zq, ids, commit = self.quantizer(z)
        # contrastive (labels smoothed 0.1, symmetric)
        img_f, txt_f = self.image_feature(causal), self.text_feature(text_ids)
        logits = self.logit_scale.exp().clamp(max=100) * img_f @ txt_f.t()
        labels = torch.arange(len(logits), device=logits.device)
        itc = 0.5 * (F.cross_entropy(logits, labels, label_smoothing=0.1)
                     + F.cross_entropy(logits.t(), labels, label_smoothing=0.1))
        # detokenizer with tail drop
        h = self.detokenizer.hidden(zq, token_mask)                       # [B, 32, D]
        gen = self.detokenizer.embed(h)                                   # [B, E]
        pred = self.target_head(gen)
        img_mse = (pred - target.flatten(1)).pow(2).mean()
        cos = F.cosine_similarity(self.detokenizer.recon(h), causal.detach(), dim=-1)      # [B, 32]
        recon = ((1 - cos) * token_mask).sum() / token_mask.sum()
        attr_gen, s_gen = attribute_loss(self.attr_head(gen), attributes)
        attr_causal, s_causal = attribute_loss(self.causal_attr_head(self.causal_down(causal).flatten(1)), attributes)
        total = itc + 0.25 * commit + 2.0 * recon + 4.0 * img_mse + attr_gen + 0.5 * attr_causal
        # stats stay tensors (no device sync per step); run_stage formats them when it logs
        acc = (logits.argmax(1) == labels).float().mean()
        used = torch.bincount(ids.flatten(), minlength=self.quantizer.embedding.shape[0]).gt(0).sum()
        stats = {k: v.detach() for k, v in {
            "itc": itc, "acc": acc, "commit": commit, "recon": recon, "img": img_mse, "attr": attr_gen,
            "id_gen": s_gen["id_acc"], "id_causal": s_causal["id_acc"], "codes": used}.items()}
        return total, stats, z.detach().reshape(-1, z.shape[-1])
