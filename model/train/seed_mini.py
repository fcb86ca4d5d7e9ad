"""SEED-mini's visual tokenizer + detokenizer (v3) as one trainable module, with its losses.

The real SEED builds its tokenizer on a frozen, pretrained image model (EVA-CLIP) and regresses its generation
embedding onto a frozen CLIP image embedding. SEED-mini v3 does the same with its own frozen semantic encoder
(model/train/semantic.py), trained first: the Causal Q-Former cross-attends to that encoder's patch tokens, and
the detokenizer's generation embedding regresses that encoder's image embedding E.

Losses:
  * contrastive: last causal query (projected) vs the text encoder's CLS, symmetric InfoNCE, label smoothing 0.1
    (SEED stage 1; the retrieval numbers in REPORT.md)
  * VQ commitment (beta 0.25) on the encode_task_layer output; the codebook itself is updated by EMA, with
    dead-code restarts
  * (1 - cos) reconstruction of the causal embeddings from the codes, on the kept tokens (SEED stage 2)
  * tail drop: a random prefix of k tokens is kept (k = 32 half the time, else log-uniform in 1..31), the rest
    become the mask embedding; the generation embedding regresses E (MSE, SEED-2's objective) and, through the
    frozen semantic heads, must keep each cell's identity, colour and size and the background (cross-entropy).
    Because the Q-Former is causal, tail drop puts coarse content in the first tokens: prefixes decode to coarser
    but meaningful images. Gradients reach the Q-Former through the straight-through estimator.
"""

from __future__ import annotations

import hashlib
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attributes import CELLS, EMPTY, N_IDENTITY, PER_CELL, attribute_loss
from .onnx_fp16 import MIN_ELEMENTS
from .semantic import CELL_DIM, SemanticEncoder, SemanticHeads
from .semantic import EMBED_DIM as SEMANTIC_DIM
from .text_encoder import TextEncoder
from .tokenizer import CODE_DIM, EMBED_DIM, NUM_TOKENS, CausalQFormer, Detokenizer, VectorQuantizer

GEN_DIM = SEMANTIC_DIM  # the generation embedding lives in the semantic encoder's embedding space
CODE_WEIGHTS = ("backbone.", "qformer.", "encode_task_layer.", "quantizer.embedding")  # what decides an image's codes
W_REG = 4.0  # weight of the generation embedding's MSE to E in the loss (tokenizer and detokenizer stages)


def sample_prefix_mask(batch: int, generator: torch.Generator, p_full: float = 0.5) -> Tensor:
    """token_mask [B, 32] float: ones for the first k tokens. k = 32 with prob p_full, else log-uniform 1..31."""
    u = torch.rand(batch, generator=generator)
    k = torch.exp(torch.rand(batch, generator=generator) * math.log(NUM_TOKENS)).floor().clamp(1, NUM_TOKENS - 1)
    k = torch.where(u < p_full, torch.full_like(k, NUM_TOKENS), k)
    return (torch.arange(NUM_TOKENS)[None, :] < k[:, None]).float()


class SeedMini(nn.Module):
    """The trainable tokenizer on top of the frozen semantic encoder (v3). `backbone` is frozen: the train step runs
    it without gradients; everything after it trains."""

    def __init__(
        self, vocab_size: int, backbone: SemanticEncoder | None = None, heads: SemanticHeads | None = None
    ) -> None:
        super().__init__()
        self.backbone = (backbone or SemanticEncoder()).requires_grad_(False)
        # context: the global token, the 10 slices of E (each projected to the Q-Former's width), the 8x8 patches
        self.slice_in = nn.Linear(CELL_DIM, EMBED_DIM)
        self.qformer = CausalQFormer(n_prefix=1 + SEMANTIC_DIM // CELL_DIM)
        self.encode_task_layer = nn.Sequential(
            nn.Linear(EMBED_DIM, EMBED_DIM), nn.Tanh(), nn.Linear(EMBED_DIM, CODE_DIM)
        )
        self.quantizer = VectorQuantizer()
        self.detokenizer = Detokenizer(out_dim=GEN_DIM)
        # training-only: the frozen semantic heads score the generation embedding; image-text contrastive parts
        self.heads = (heads or SemanticHeads()).requires_grad_(False)
        self.text = TextEncoder(vocab_size)
        self.img_proj = nn.Linear(EMBED_DIM, 128)
        self.txt_proj = nn.Linear(128, 128)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def train(self, mode: bool = True) -> SeedMini:
        super().train(mode)
        self.backbone.eval()  # frozen: BatchNorm keeps its statistics
        self.heads.eval()
        return self

    def context(self, tokens: Tensor, e: Tensor) -> Tensor:
        """What the Q-Former cross-attends to: [global token | E's 10 slices projected | 64 patches] -> [B, 75, D]."""
        slices = self.slice_in(e.reshape(e.shape[0], -1, CELL_DIM))  # [B, 10, D]
        return torch.cat([tokens[:, :1], slices, tokens[:, 1:]], 1)

    def encode(self, pixels: Tensor) -> tuple[Tensor, Tensor]:
        """pixels [B, 3, 64, 64] normalised -> causal embeddings [B, 32, D], attention maps [B, 32, 64]."""
        return self.qformer(self.context(*self.backbone(pixels)))

    def image_feature(self, causal: Tensor) -> Tensor:
        """Retrieval feature: the LAST causal query, projected and L2-normalised -> [B, 128]."""
        return F.normalize(self.img_proj(causal[:, -1]), dim=-1)

    def text_feature(self, text_ids: Tensor) -> Tensor:
        return F.normalize(self.txt_proj(self.text(text_ids)), dim=-1)

    def generation_embedding(self, ids: Tensor, token_mask: Tensor) -> Tensor:
        codes = F.embedding(ids, self.quantizer.embedding)
        return self.detokenizer.embed(self.detokenizer.hidden(codes, token_mask))

    def detokenizer_losses(
        self, codes: Tensor, token_mask: Tensor, causal: Tensor, target: Tensor, attributes: Tensor
    ) -> tuple[Tensor, Tensor, Tensor, Tensor, dict[str, Tensor]]:
        """The detokenizer's part of the loss, with tail drop: the generation embedding regresses E (SEED-2's
        objective) and must keep what the frozen heads read from E; the token states rebuild the causal embeddings.
        codes [B, 32, C] (quantised vectors), token_mask [B, 32], causal [B, 32, D], E [B, E], attributes [B, 28] ->
        (MSE, attribute CE, recon, attribute logits [B, N_LOGITS], attribute accuracies)."""
        h = self.detokenizer.hidden(codes, token_mask)  # [B, 32, D]
        gen = self.detokenizer.embed(h).float()  # [B, E]
        reg = (gen - target).pow(2).mean()
        attr_logits = self.heads(gen)  # [B, N_LOGITS]
        attr, s_gen = attribute_loss(attr_logits, attributes)
        cos = F.cosine_similarity(self.detokenizer.recon(h).float(), causal.detach().float(), dim=-1)  # [B, 32]
        recon = ((1 - cos) * token_mask).sum() / token_mask.sum()
        return reg, attr, recon, attr_logits, s_gen

    def loss(
        self, pixels: Tensor, text_ids: Tensor, token_mask: Tensor, attributes: Tensor
    ) -> tuple[Tensor, dict[str, Tensor], Tensor]:
        """Returns (total loss, stats, z [B*32, C] for dead-code restarts). attributes [B, 28] int64
        (model.train.attributes.scene_targets)."""
        with torch.no_grad():
            tokens, target = self.backbone(pixels)  # [B, 65, 192], E [B, 320]
        causal, _ = self.qformer(self.context(tokens, target))  # [B, 32, D]
        z = self.encode_task_layer(causal).float()  # [B, 32, C]
        with torch.autocast(z.device.type, enabled=False):
            zq, ids, commit = self.quantizer(z)
        # contrastive (labels smoothed 0.1, symmetric)
        img_f, txt_f = self.image_feature(causal), self.text_feature(text_ids)
        logits = self.logit_scale.exp().clamp(max=100) * img_f @ txt_f.t()
        labels = torch.arange(len(logits), device=logits.device)
        itc = 0.5 * (
            F.cross_entropy(logits, labels, label_smoothing=0.1)
            + F.cross_entropy(logits.t(), labels, label_smoothing=0.1)
        )
        reg, attr, recon, attr_logits, s_gen = self.detokenizer_losses(zq, token_mask, causal, target, attributes)
        total = itc + 0.25 * commit + recon + W_REG * reg + attr
        full = token_mask.sum(1) == token_mask.shape[1]
        with torch.no_grad():
            occ = attributes[:, :9] != EMPTY
            li = attr_logits[:, : CELLS * PER_CELL].reshape(-1, CELLS, PER_CELL)[..., :N_IDENTITY].argmax(-1)
            id_full = ((li == attributes[:, :9]) & occ & full[:, None]).sum() / (occ & full[:, None]).sum().clamp(min=1)
        acc = (logits.argmax(1) == labels).float().mean()
        used = torch.bincount(ids.flatten(), minlength=self.quantizer.embedding.shape[0]).gt(0).sum()
        stats = {
            k: v.detach()
            for k, v in {
                "itc": itc,
                "acc": acc,
                "commit": commit,
                "recon": recon,
                "reg": reg,
                "attr": attr,
                "id_gen": s_gen["id_acc"],
                "id_full": id_full,
                "codes": used,
            }.items()
        }
        return total, stats, z.detach().reshape(-1, z.shape[-1])


def codes_fingerprint(model: SeedMini) -> str:
    """sha256 (16 hex) of the weights that decide an image's codes (CODE_WEIGHTS), each float tensor of >= MIN_ELEMENTS
    elements rounded to fp16 as the continuation checkpoints round it: a run's weights and the same weights restored
    from model/train/checkpoints/ give one fingerprint, a retrained tokenizer another. What is trained on the codes
    records it: the detokenizer stage (of the training module), the LM's cached corpus (of the fp16-exact module,
    BatchNorm folded: api.FrozenTokenizer)."""
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        if k.startswith(CODE_WEIGHTS):
            t = v.detach().cpu().float()
            if t.numel() >= MIN_ELEMENTS:
                t = t.half().float()
            h.update(k.encode())
            h.update(t.contiguous().numpy().tobytes())
    return h.hexdigest()[:16]
