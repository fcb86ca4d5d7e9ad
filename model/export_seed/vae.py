"""diffusers' AutoencoderKL (SD 2 VAE) in plain torch with diffusers' state-dict names: encoder (+ quant_conv, the
posterior mean) and decoder (post_quant_conv +). Older checkpoints name the mid-block attention query/key/value/
proj_attn; `rename_legacy_vae_keys` maps them to to_q/to_k/to_v/to_out.0 (as diffusers does on load)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from .diffusion_blocks import Attention, Downsample2D, ResnetBlock2D, Upsample2D


@dataclass(frozen=True)
class VaeConfig:
    in_channels: int
    out_channels: int
    latent_channels: int
    block_out_channels: tuple[int, ...]
    layers_per_block: int
    norm_num_groups: int
    sample_size: int
    scaling_factor: float

    @staticmethod
    def from_json(c: dict, source: str = "vae/config.json") -> VaeConfig:
        for t in c.get("down_block_types", []):
            if t != "DownEncoderBlock2D":
                raise ValueError(f"{source}: down block {t!r} is not supported (expected DownEncoderBlock2D)")
        for t in c.get("up_block_types", []):
            if t != "UpDecoderBlock2D":
                raise ValueError(f"{source}: up block {t!r} is not supported (expected UpDecoderBlock2D)")
        if c.get("act_fn", "silu") != "silu":
            raise ValueError(f"{source}: act_fn {c.get('act_fn')!r} is not supported (expected silu)")
        return VaeConfig(
            c.get("in_channels", 3),
            c.get("out_channels", 3),
            c.get("latent_channels", 4),
            tuple(c["block_out_channels"]),
            c.get("layers_per_block", 2),
            c.get("norm_num_groups", 32),
            c.get("sample_size", 768),
            c.get("scaling_factor", 0.18215),
        )


class MidBlock(nn.Module):
    def __init__(self, c: int, groups: int) -> None:
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, groups, 1e-6), ResnetBlock2D(c, c, None, groups, 1e-6)])
        self.attentions = nn.ModuleList([Attention(c, 1, c, bias=True, group_norm=(groups, 1e-6))])

    def forward(self, x: Tensor) -> Tensor:
        return self.resnets[1](self.attentions[0].spatial(self.resnets[0](x)))


class EncoderBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, layers: int, groups: int, downsample: bool) -> None:
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(c_in if j == 0 else c_out, c_out, None, groups, 1e-6) for j in range(layers)]
        )
        self.downsamplers = nn.ModuleList([Downsample2D(c_out, padding=0)]) if downsample else None

    def forward(self, x: Tensor) -> Tensor:
        for r in self.resnets:
            x = r(x)
        return self.downsamplers[0](x) if self.downsamplers is not None else x


class DecoderBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, layers: int, groups: int, upsample: bool) -> None:
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(c_in if j == 0 else c_out, c_out, None, groups, 1e-6) for j in range(layers)]
        )
        self.upsamplers = nn.ModuleList([Upsample2D(c_out)]) if upsample else None

    def forward(self, x: Tensor) -> Tensor:
        for r in self.resnets:
            x = r(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x


class Encoder(nn.Module):
    def __init__(self, cfg: VaeConfig) -> None:
        super().__init__()
        boc, g = cfg.block_out_channels, cfg.norm_num_groups
        self.conv_in = nn.Conv2d(cfg.in_channels, boc[0], 3, padding=1)
        self.down_blocks = nn.ModuleList(
            [
                EncoderBlock(boc[max(i - 1, 0)], boc[i], cfg.layers_per_block, g, i < len(boc) - 1)
                for i in range(len(boc))
            ]
        )
        self.mid_block = MidBlock(boc[-1], g)
        self.conv_norm_out = nn.GroupNorm(g, boc[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(boc[-1], 2 * cfg.latent_channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv_in(x)
        for b in self.down_blocks:
            x = b(x)
        return self.conv_out(F.silu(self.conv_norm_out(self.mid_block(x))))


class Decoder(nn.Module):
    def __init__(self, cfg: VaeConfig) -> None:
        super().__init__()
        rev, g = list(reversed(cfg.block_out_channels)), cfg.norm_num_groups
        self.conv_in = nn.Conv2d(cfg.latent_channels, rev[0], 3, padding=1)
        self.mid_block = MidBlock(rev[0], g)
        self.up_blocks = nn.ModuleList(
            [
                DecoderBlock(rev[max(i - 1, 0)], rev[i], cfg.layers_per_block + 1, g, i < len(rev) - 1)
                for i in range(len(rev))
            ]
        )
        self.conv_norm_out = nn.GroupNorm(g, rev[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(rev[-1], cfg.out_channels, 3, padding=1)

    def forward(self, z: Tensor) -> Tensor:
        x = self.mid_block(self.conv_in(z))
        for b in self.up_blocks:
            x = b(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class AutoencoderKL(nn.Module):
    def __init__(self, cfg: VaeConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(2 * cfg.latent_channels, 2 * cfg.latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(cfg.latent_channels, cfg.latent_channels, 1)

    def encode_mean(self, sample: Tensor) -> Tensor:
        """image in [-1, 1] -> the posterior mean (unscaled latent)."""
        return self.quant_conv(self.encoder(sample))[:, : self.cfg.latent_channels]

    def decode(self, latent: Tensor) -> Tensor:
        """unscaled latent -> image in [-1, 1] (not clamped)."""
        return self.decoder(self.post_quant_conv(latent))


_LEGACY = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}


def rename_legacy_vae_keys(state: dict[str, Tensor]) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for k, v in state.items():
        m = re.fullmatch(r"(.*mid_block\.attentions\.0\.)(query|key|value|proj_attn)\.(weight|bias)", k)
        if m:
            k = f"{m.group(1)}{_LEGACY[m.group(2)]}.{m.group(3)}"
        if re.search(r"mid_block\.attentions\.0\.(to_q|to_k|to_v|to_out\.0)\.weight$", k) and v.dim() == 4:
            v = v[:, :, 0, 0]  # 1x1-conv form of the projection
        out[k] = v
    return out
