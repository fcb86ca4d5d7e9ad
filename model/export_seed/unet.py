"""A UNet2DConditionModel compatible with diffusers' (config.json and state-dict names), covering what the unCLIP
SD-2.1 config uses: CrossAttnDownBlock2D / DownBlock2D, UNetMidBlock2DCrossAttn, UpBlock2D / CrossAttnUpBlock2D,
positional time embedding, class_embed_type "projection" (added, or concatenated with class_embeddings_concat),
linear-projection transformers, GEGLU. Anything else in a config is refused by name."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .diffusion_blocks import (
    Downsample2D,
    ResnetBlock2D,
    TimestepEmbedding,
    Transformer2DModel,
    Upsample2D,
    timestep_embedding,
)

DOWN = ("CrossAttnDownBlock2D", "DownBlock2D")
UP = ("CrossAttnUpBlock2D", "UpBlock2D")


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int
    out_channels: int
    block_out_channels: tuple[int, ...]
    down_block_types: tuple[str, ...]
    up_block_types: tuple[str, ...]
    layers_per_block: int
    heads: tuple[int, ...]
    cross_attention_dim: int
    norm_num_groups: int
    norm_eps: float
    flip_sin_to_cos: bool
    freq_shift: float
    class_embed_type: str | None
    class_input_dim: int | None
    class_embeddings_concat: bool
    downsample_padding: int
    sample_size: int
    transformer_layers: int

    @staticmethod
    def from_json(c: dict, source: str = "unet/config.json") -> UNetConfig:
        def want(key: str, allowed: tuple, default=None) -> None:
            v = c.get(key, default)
            if v not in allowed:
                raise ValueError(f"{source}: {key} = {v!r} is not supported (expected one of {list(allowed)})")

        want("mid_block_type", ("UNetMidBlock2DCrossAttn",), "UNetMidBlock2DCrossAttn")
        want("act_fn", ("silu",), "silu")
        want("use_linear_projection", (True,), False)
        want("resnet_time_scale_shift", ("default",), "default")
        want("time_embedding_type", ("positional",), "positional")
        want("class_embed_type", (None, "projection"), None)
        want("only_cross_attention", (False,), False)
        want("dual_cross_attention", (False,), False)
        want("center_input_sample", (False,), False)
        want("addition_embed_type", (None,), None)
        want("encoder_hid_dim", (None,), None)
        for t in c["down_block_types"]:
            if t not in DOWN:
                raise ValueError(f"{source}: down block {t!r} is not supported (expected {list(DOWN)})")
        for t in c["up_block_types"]:
            if t not in UP:
                raise ValueError(f"{source}: up block {t!r} is not supported (expected {list(UP)})")
        boc = tuple(c["block_out_channels"])
        # SD 2 names the head count "attention_head_dim" (diffusers keeps that naming); num_attention_heads wins if set.
        heads = c.get("num_attention_heads") or c.get("attention_head_dim", 8)
        heads = tuple(heads) if isinstance(heads, (list, tuple)) else (heads,) * len(boc)
        tl = c.get("transformer_layers_per_block", 1)
        if not isinstance(tl, int):
            raise ValueError(f"{source}: transformer_layers_per_block must be one integer, got {tl!r}")
        return UNetConfig(
            in_channels=c.get("in_channels", 4),
            out_channels=c.get("out_channels", 4),
            block_out_channels=boc,
            down_block_types=tuple(c["down_block_types"]),
            up_block_types=tuple(c["up_block_types"]),
            layers_per_block=c.get("layers_per_block", 2),
            heads=heads,
            cross_attention_dim=c["cross_attention_dim"],
            norm_num_groups=c.get("norm_num_groups", 32),
            norm_eps=c.get("norm_eps", 1e-5),
            flip_sin_to_cos=c.get("flip_sin_to_cos", True),
            freq_shift=c.get("freq_shift", 0),
            class_embed_type=c.get("class_embed_type"),
            class_input_dim=c.get("projection_class_embeddings_input_dim"),
            class_embeddings_concat=bool(c.get("class_embeddings_concat", False)),
            downsample_padding=c.get("downsample_padding", 1),
            sample_size=c.get("sample_size", 96),
            transformer_layers=tl,
        )


class DownBlock(nn.Module):
    def __init__(
        self, cfg: UNetConfig, kind: str, c_in: int, c_out: int, temb: int, heads: int, downsample: bool
    ) -> None:
        super().__init__()
        g, eps = cfg.norm_num_groups, cfg.norm_eps
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(c_in if j == 0 else c_out, c_out, temb, g, eps) for j in range(cfg.layers_per_block)]
        )
        if kind == "CrossAttnDownBlock2D":
            self.attentions = nn.ModuleList(
                [
                    Transformer2DModel(c_out, heads, cfg.cross_attention_dim, g, cfg.transformer_layers)
                    for _ in range(cfg.layers_per_block)
                ]
            )
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(c_out, cfg.downsample_padding)]) if downsample else None

    def forward(self, x: Tensor, temb: Tensor, context: Tensor) -> tuple[Tensor, list[Tensor]]:
        states: list[Tensor] = []
        for j, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[j](x, context)
            states.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            states.append(x)
        return x, states


class UpBlock(nn.Module):
    def __init__(
        self, cfg: UNetConfig, kind: str, c_in: int, c_out: int, c_prev: int, temb: int, heads: int, upsample: bool
    ) -> None:
        super().__init__()
        g, eps, n = cfg.norm_num_groups, cfg.norm_eps, cfg.layers_per_block + 1
        self.resnets = nn.ModuleList(
            [
                ResnetBlock2D((c_prev if j == 0 else c_out) + (c_in if j == n - 1 else c_out), c_out, temb, g, eps)
                for j in range(n)
            ]
        )
        if kind == "CrossAttnUpBlock2D":
            self.attentions = nn.ModuleList(
                [Transformer2DModel(c_out, heads, cfg.cross_attention_dim, g, cfg.transformer_layers) for _ in range(n)]
            )
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(c_out)]) if upsample else None

    def forward(self, x: Tensor, skips: list[Tensor], temb: Tensor, context: Tensor) -> Tensor:
        for j, resnet in enumerate(self.resnets):
            x = resnet(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[j](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class MidBlock(nn.Module):
    def __init__(self, cfg: UNetConfig, c: int, temb: int, heads: int) -> None:
        super().__init__()
        g, eps = cfg.norm_num_groups, cfg.norm_eps
        self.attentions = nn.ModuleList(
            [Transformer2DModel(c, heads, cfg.cross_attention_dim, g, cfg.transformer_layers)]
        )
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb, g, eps), ResnetBlock2D(c, c, temb, g, eps)])

    def forward(self, x: Tensor, temb: Tensor, context: Tensor) -> Tensor:
        x = self.resnets[0](x, temb)
        return self.resnets[1](self.attentions[0](x, context), temb)


class UNet2DConditionModel(nn.Module):
    def __init__(self, cfg: UNetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        boc = cfg.block_out_channels
        temb = boc[0] * 4
        self.conv_in = nn.Conv2d(cfg.in_channels, boc[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(boc[0], temb)
        self.class_embedding = (
            TimestepEmbedding(cfg.class_input_dim, temb) if cfg.class_embed_type == "projection" else None
        )
        block_temb = temb * 2 if cfg.class_embeddings_concat else temb
        self.down_blocks = nn.ModuleList()
        c_out = boc[0]
        for i, kind in enumerate(cfg.down_block_types):
            c_in, c_out = c_out, boc[i]
            self.down_blocks.append(DownBlock(cfg, kind, c_in, c_out, block_temb, cfg.heads[i], i < len(boc) - 1))
        self.mid_block = MidBlock(cfg, boc[-1], block_temb, cfg.heads[-1])
        rev, rev_heads = list(reversed(boc)), list(reversed(cfg.heads))
        self.up_blocks = nn.ModuleList()
        c_out = rev[0]
        for i, kind in enumerate(cfg.up_block_types):
            c_prev, c_out = c_out, rev[i]
            c_in = rev[min(i + 1, len(boc) - 1)]
            self.up_blocks.append(UpBlock(cfg, kind, c_in, c_out, c_prev, block_temb, rev_heads[i], i < len(boc) - 1))
        self.conv_norm_out = nn.GroupNorm(cfg.norm_num_groups, boc[0], eps=cfg.norm_eps)
        self.conv_out = nn.Conv2d(boc[0], cfg.out_channels, 3, padding=1)

    def forward(self, sample: Tensor, timestep: Tensor, context: Tensor, class_labels: Tensor | None = None) -> Tensor:
        t = timestep_embedding(timestep, self.cfg.block_out_channels[0], self.cfg.flip_sin_to_cos, self.cfg.freq_shift)
        emb = self.time_embedding(t)
        if self.class_embedding is not None:
            if class_labels is None:
                raise ValueError("this UNet has class_embed_type 'projection': class_labels are required")
            c = self.class_embedding(class_labels)
            emb = torch.cat([emb, c], dim=-1) if self.cfg.class_embeddings_concat else emb + c
        x = self.conv_in(sample)
        skips: list[Tensor] = [x]
        for block in self.down_blocks:
            x, states = block(x, emb, context)
            skips += states
        x = self.mid_block(x, emb, context)
        for block in self.up_blocks:
            x = block(x, skips, emb, context)
        return self.conv_out(F.silu(self.conv_norm_out(x)))
