"""Small convolutional autoencoder: 64x64x3 pixels in [-1, 1] <-> latent [8, 16, 16] (SD-VAE's role in SEED).

Deterministic (no KL); the decoder is trained on latents with added Gaussian noise (10% of the batch latent std)
so that it tolerates the small errors of the diffusion sampler.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

LATENT_CHANNELS = 8


class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(8, ch),
            nn.SiLU(),
            nn.Conv2d(ch, ch, 3, padding=1),
            nn.GroupNorm(8, ch),
            nn.SiLU(),
            nn.Conv2d(ch, ch, 3, padding=1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class Encoder(nn.Module):
    """sample [B, 3, 64, 64] in [-1, 1] -> latent [B, C, 16, 16].

    Pixel-unshuffle first (4x4 patches -> 48 channels at 16x16): convolutions at full 64x64 resolution cost
    ~10 s per training step on these 2 cores, at 16x16 they cost ~0.3 s.
    """

    def __init__(self, ch: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.PixelUnshuffle(4),
            nn.Conv2d(48, ch, 3, padding=1),
            ResBlock(ch),  # [B, ch, 16, 16]
            nn.GroupNorm(8, ch),
            nn.SiLU(),
            nn.Conv2d(ch, LATENT_CHANNELS, 3, padding=1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class Decoder(nn.Module):
    """latent [B, C, 16, 16] -> sample [B, 3, 64, 64] in [-1, 1] (pixel-shuffle 2x, convs at 32x32, shuffle 2x)."""

    def __init__(self, ch: int = 64, ch_hi: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(LATENT_CHANNELS, ch, 3, padding=1),
            ResBlock(ch),
            ResBlock(ch),  # [B, ch, 16, 16]
            nn.Conv2d(ch, 4 * ch_hi, 1),
            nn.PixelShuffle(2),
            ResBlock(ch_hi),  # [B, ch_hi, 32, 32]
            nn.GroupNorm(8, ch_hi),
            nn.SiLU(),
            nn.Conv2d(ch_hi, 12, 3, padding=1),
            nn.PixelShuffle(2),  # [B, 3, 64, 64]
            nn.Tanh(),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class AutoEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder, self.decoder = Encoder(), Decoder()

    def loss(self, x: Tensor, noise_frac: float = 0.1) -> tuple[Tensor, dict[str, float]]:
        """x [B, 3, 64, 64] in [-1, 1]. MSE + 0.5 * L1 on image gradients (keeps edges of small sprites sharp)."""
        z = self.encoder(x)  # [B, 8, 16, 16]
        z_noisy = z + noise_frac * z.detach().std() * torch.randn_like(z)
        y = self.decoder(z_noisy)
        mse = (y - x).pow(2).mean()
        grad = (y.diff(dim=-1) - x.diff(dim=-1)).abs().mean() + (y.diff(dim=-2) - x.diff(dim=-2)).abs().mean()
        return mse + 0.5 * grad, {"mse": float(mse), "grad": float(grad)}
