"""SEED-2's visual tokenizer rebuilt from its published architecture, loaded from seed_quantizer.pt (+ eva_vit_g.pth).

    image -> EVA ViT-g -> ln_vision -> Causal Q-Former (32 queries) -> causal embeddings [B, 32, 768]
          -> encode_task_layer (768 -> 768 -> 32) -> L2-nearest of the 8192 x 32 codebook -> ids [B, 32]
    ids -> codebook -> decode_task_layer (32 -> 32 -> 768) -> + pos_embed_image -> blocks_image (ViT blocks)
        -> image_down (768 -> 256 -> 128 -> 32, no bias) -> flatten 32*32 -> distill_image_proj -> [B, 1024]

Module attribute names are the checkpoint's, so `state_dict()` keys equal seed_quantizer.pt's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .eva_vit import EvaVit, VitConfig
from .qformer import Qformer, QformerConfig
from .state_dicts import CheckpointError, count_indexed, load_strict, read_state_dict, require, take

# Keys of seed_quantizer.pt that inference never uses (training-only branches), with the reason.
QUANTIZER_UNUSED = [
    (r"blocks\.\d+\..*", "the recon_s branch (rebuilds the causal embeddings during stage-2 training)"),
    (r"pos_embed", "the recon_s branch's position embedding"),
    (r"Qformer\.bert\.embeddings\.position_ids", "BERT's position-id buffer (the Q-Former has no text input)"),
]
# Keys of eva_vit_g.pth that BLIP-2/SEED do not use: the blocks after the depth it builds (39 of 40), EVA-CLIP's head.
VIT_HEAD_UNUSED = [(r"(norm|fc_norm|head)\.(weight|bias)", "EVA-CLIP's final norm and head (BLIP-2 uses the features)")]
EVA_HEAD_DIM = 88  # EVA ViT-g: 1408 / 88 = 16 heads


class VitBlock(nn.Module):
    """BLIP's ViT block (models/vit.py Block): pre-norm, qkv with bias, 12 heads, MLP ratio 4, LayerNorm eps 1e-6."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = _BlockAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = _Mlp(dim, dim * 4)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class _BlockAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class _Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Codebook(nn.Module):
    """VectorQuantizer2's state: `embedding` (n_e x e_dim)."""

    def __init__(self, n: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n, dim)


@dataclass(frozen=True)
class TokenizerConfig:
    vit: VitConfig
    qformer: QformerConfig
    codebook_size: int
    code_dim: int
    decode_depth: int
    decode_heads: int
    embedding_dim: int


class SeedTokenizer(nn.Module):
    def __init__(self, cfg: TokenizerConfig) -> None:
        super().__init__()
        q = cfg.qformer
        self.cfg = cfg
        self.ln_vision = nn.LayerNorm(cfg.vit.width)  # eps 1e-5 (BLIP-2's LayerNorm)
        self.Qformer = Qformer(q)
        self.query_tokens = nn.Parameter(torch.zeros(1, q.num_queries, q.hidden))
        self.quantize = Codebook(cfg.codebook_size, cfg.code_dim)
        self.encode_task_layer = nn.Sequential(
            nn.Linear(q.hidden, q.hidden), nn.Tanh(), nn.Linear(q.hidden, cfg.code_dim)
        )
        self.decode_task_layer = nn.Sequential(
            nn.Linear(cfg.code_dim, cfg.code_dim), nn.Tanh(), nn.Linear(cfg.code_dim, q.hidden)
        )
        self.pos_embed_image = nn.Parameter(torch.zeros(1, q.num_queries, q.hidden))
        self.blocks_image = nn.ModuleList([VitBlock(q.hidden, cfg.decode_heads) for _ in range(cfg.decode_depth)])
        self.image_down = nn.Sequential(
            nn.Linear(q.hidden, 256, bias=False),
            nn.ReLU(),
            nn.Linear(256, 128, bias=False),
            nn.ReLU(),
            nn.Linear(128, 32, bias=False),
        )
        self.distill_image_proj = nn.Linear(q.num_queries * 32, cfg.embedding_dim)
        self.visual_encoder = EvaVit(cfg.vit)

    # --- the three exported graphs -------------------------------------------------------------------------------
    def encode(self, pixels: Tensor) -> tuple[Tensor, Tensor]:
        """pixels [B, 3, 224, 224] -> causal embeddings [B, N, 768], attention maps [B, N, Gh*Gw] (rows sum to 1)."""
        image = self.ln_vision(self.visual_encoder(pixels))
        queries = self.query_tokens.expand(pixels.shape[0], -1, -1)
        hidden, crosses = self.Qformer(queries, image)
        maps = torch.stack(crosses, 0).mean(dim=(0, 2))[:, :, 1:]  # mean over layers and heads; CLS dropped
        return hidden, maps / maps.sum(dim=-1, keepdim=True)

    def quantize_ids(self, causal: Tensor) -> Tensor:
        """VectorQuantizer2: argmin_j ||z||^2 + ||e_j||^2 - 2 z.e_j with z = encode_task_layer(causal), as is."""
        z = self.encode_task_layer(causal)  # [B, N, 32]
        e = self.quantize.embedding.weight  # [K, 32]
        d = (z**2).sum(-1, keepdim=True) + (e**2).sum(-1) - 2 * torch.einsum("bnd,kd->bnk", z, e)
        return d.argmin(dim=-1)

    def detokenize(self, ids: Tensor) -> Tensor:
        """ids [B, N] -> generation embedding [B, 1024] (get_codebook_entry)."""
        x = self.decode_task_layer(self.quantize.embedding(ids)) + self.pos_embed_image
        for blk in self.blocks_image:
            x = blk(x)
        x = self.image_down(x)
        return self.distill_image_proj(x.reshape(x.shape[0], -1))


def config_from_state(q: dict[str, Tensor], vit: dict[str, Tensor], vit_depth: int, source: str) -> TokenizerConfig:
    tokens = require(q, "query_tokens", source)
    hidden = tokens.shape[-1]
    layers = count_indexed(q, "Qformer.bert.encoder.layer.")
    if layers == 0:
        raise CheckpointError(f"{source}: no Qformer.bert.encoder.layer.<i> keys; expected SEED-2's seed_quantizer.pt")
    cross = [i for i in range(layers) if f"Qformer.bert.encoder.layer.{i}.crossattention.self.query.weight" in q]
    freq = cross[1] - cross[0] if len(cross) > 1 else max(layers, 1)
    if cross and (cross[0] != 0 or cross != list(range(0, layers, freq))):
        raise CheckpointError(f"{source}: cross-attention in layers {cross}, expected every k-th layer from 0")
    codebook = require(q, "quantize.embedding.weight", source)
    width = require(vit, "cls_token", "ViT").shape[-1]
    patch = require(vit, "patch_embed.proj.weight", "ViT").shape[-1]
    n_pos = require(vit, "pos_embed", "ViT").shape[1] - 1
    grid = round(n_pos**0.5)
    if grid * grid != n_pos:
        raise CheckpointError(f"ViT pos_embed has {n_pos} patch positions, not a square grid")
    vcfg = VitConfig(
        image_size=grid * patch,
        patch_size=patch,
        width=width,
        depth=vit_depth,
        heads=max(1, width // EVA_HEAD_DIM),
        mlp_dim=require(vit, "blocks.0.mlp.fc1.weight", "ViT").shape[0],
    )
    qcfg = QformerConfig(
        hidden=hidden,
        layers=layers,
        heads=max(1, hidden // 64),
        intermediate=require(q, "Qformer.bert.encoder.layer.0.intermediate_query.dense.weight", source).shape[0],
        vision_width=width,
        num_queries=tokens.shape[1],
        cross_attention_freq=freq,
    )
    return TokenizerConfig(
        vit=vcfg,
        qformer=qcfg,
        codebook_size=codebook.shape[0],
        code_dim=codebook.shape[1],
        decode_depth=count_indexed(q, "blocks_image."),
        decode_heads=max(1, hidden // 64),
        embedding_dim=require(q, "distill_image_proj.weight", source).shape[0],
    )


def load_seed_tokenizer(
    quantizer_path: Path, vit_path: Path | None, vit_depth: int | None = None
) -> tuple[SeedTokenizer, list[str]]:
    """Builds the tokenizer from the checkpoints. ViT weights come from `visual_encoder.*` in seed_quantizer.pt when
    present, else from eva_vit_g.pth, of which BLIP-2 builds all blocks but the last (39 of 40) unless vit_depth says
    otherwise. Returns the module (eval mode) and the checkpoint keys it ignored on purpose."""
    q = read_state_dict(quantizer_path)
    src = str(quantizer_path.name)
    if any(k.startswith("visual_encoder.") for k in q):
        vit, vit_src = take(q, "visual_encoder."), f"{src} (visual_encoder.*)"
        q = {k: v for k, v in q.items() if not k.startswith("visual_encoder.")}
        in_file = count_indexed(vit, "blocks.")
        depth = vit_depth if vit_depth is not None else in_file
    else:
        if vit_path is None:
            raise CheckpointError(
                f"{src} holds no visual_encoder.* weights; pass the EVA ViT-g checkpoint with --vit eva_vit_g.pth"
            )
        vit, vit_src = read_state_dict(vit_path), vit_path.name
        in_file = count_indexed(vit, "blocks.")
        depth = vit_depth if vit_depth is not None else in_file - 1
    if not 1 <= depth <= in_file:
        raise CheckpointError(f"{vit_src}: ViT depth {depth} requested but the checkpoint has {in_file} blocks")
    cfg = config_from_state(q, vit, depth, src)
    model = SeedTokenizer(cfg)
    vit_unused = (
        [(rf"blocks\.({'|'.join(str(i) for i in range(depth, in_file))})\..*", f"ViT blocks after the {depth} built")]
        if depth < in_file
        else []
    )
    ignored = load_strict(model.visual_encoder, vit, vit_src, vit_unused + VIT_HEAD_UNUSED)
    holder = _Without(model)
    ignored += load_strict(holder, q, src, QUANTIZER_UNUSED)
    return model.eval(), ignored


class _Without(nn.Module):
    """A view of SeedTokenizer without visual_encoder, so its state_dict is exactly seed_quantizer.pt's layout."""

    def __init__(self, m: SeedTokenizer) -> None:
        super().__init__()
        for name, child in m.named_children():
            if name != "visual_encoder":
                self.add_module(name, child)
        self.query_tokens = m.query_tokens
        self.pos_embed_image = m.pos_embed_image
