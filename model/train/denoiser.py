"""Latent diffusion denoiser: a small DiT over the AE latent, conditioned on the generation embedding and t.

sample [B, 8, 16, 16] -> 2x2 patches -> 64 tokens (+ their cell's slice of the generation embedding) -> d 192,
DEPTH blocks with adaLN-Zero modulation from c = MLP(timestep embedding) + MLP(generation embedding)
-> out_sample [B, 8, 16, 16] (v-prediction).
Real SEED: the unCLIP SD-2.1 UNet with the 1024-d image embedding as class label (v-prediction as well).
A zero generation embedding is the unconditional input for classifier-free guidance (as SEED).

Cell conditioning. A global vector through adaLN alone is a weak signal for a small DiT trained for minutes. The
generation embedding is the semantic encoder's image embedding E (model/train/semantic.py): nine 32-d cell slices
and a global one. Each patch token also gets `cell_in` of the slice of the scene cell its centre falls in, so the
denoiser reads "what is here" where it draws it, and the whole E goes through adaLN (background, global layout).
Everything stays inside the denoiser graph: the package contract (sample, timestep, generation_embedding ->
out_sample) is unchanged and a real SEED UNet drops into the same slot. Zero embeddings are the unconditional
input of classifier-free guidance.

The cell reader (`read`). A cell's 32-d slice says which of 190 objects is there only through the semantic
heads that were trained to read it (model/train/semantic.py: a small MLP per cell); cell_in, one linear layer,
has to learn the same reading again. With `read`, the denoiser holds a frozen copy of that MLP and adds each cell's
identity, colour and size probabilities to the cell's patch tokens (read_in, zero at first: adding the reader to a
trained denoiser changes nothing until it learns to use it). It is still a function of the generation embedding
alone, inside the graph. The shipped denoiser has it (model/seed-mini/REPORT.md: what it changed, hop by hop).

Growing. A block whose adaLN gates are zero is the identity, so a trained denoiser takes more blocks without
changing what it draws (`grow_state`; the stage's `depth` option): the new blocks, appended after the trained ones,
start at zero gates. The shipped denoiser has DEPTH blocks; grown to 10 and trained 6000 more steps it drew the
same share of emoji (model/seed-mini/REPORT.md, notes), so it stays at DEPTH.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .attributes import CELLS, N_COLOUR, N_IDENTITY, N_SIZE, PER_CELL
from .modules import Attention, Mlp, timestep_embedding
from .semantic import CELL_DIM, cell_head, cell_membership
from .semantic import EMBED_DIM as SEMANTIC_DIM

DEPTH = 6  # the shipped denoiser's blocks


def depth_of(state: dict[str, Tensor]) -> int:
    """How many DiT blocks a denoiser state dict holds."""
    return len({key.split(".")[1] for key in state if key.startswith("blocks.")})


def reads_cells(state: dict[str, Tensor]) -> bool:
    """Whether a denoiser state dict (or the named weights of its ONNX graph) has the cell reader (`read`)."""
    return "read_in.bias" in state


def denoiser_for(state: dict[str, Tensor]) -> Denoiser:
    """A denoiser shaped as `state` (its depth, with or without the reader), not yet loaded. `state` may also be
    the named initialisers of an exported graph (package_weights.onnx_tensors): they hold every block's norms and
    the reader's biases."""
    return Denoiser(depth=depth_of(state), read=reads_cells(state))


class DiTBlock(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.n1 = nn.LayerNorm(dim, eps=1e-6)  # affine: torch 1.13 mis-exports affine-free LN at opset 17
        self.attn = Attention(dim, heads)
        self.n2 = nn.LayerNorm(dim, eps=1e-6)  # affine: torch 1.13 mis-exports affine-free LN at opset 17
        self.mlp = Mlp(dim, 4 * dim)
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        nn.init.zeros_(self.ada[1].weight)
        nn.init.zeros_(self.ada[1].bias)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        s1, b1, g1, s2, b2, g2 = self.ada(c).unsqueeze(1).chunk(6, dim=-1)  # each [B, 1, D]
        x = x + g1 * self.attn(self.n1(x) * (1 + s1) + b1)[0]
        return x + g2 * self.mlp(self.n2(x) * (1 + s2) + b2)


class Denoiser(nn.Module):
    def __init__(
        self,
        channels: int = 8,
        size: int = 16,
        gen_dim: int = SEMANTIC_DIM,
        dim: int = 192,
        depth: int = DEPTH,
        heads: int = 6,
        patch: int = 2,
        read: bool = False,
    ) -> None:
        super().__init__()
        self.channels, self.size, self.patch, self.dim = channels, size, patch, dim
        self.grid = size // patch
        pdim = channels * patch * patch
        self.cell_in = nn.Linear(CELL_DIM, dim)
        # the cell reader: a frozen copy of the semantic encoder's cell head (the stage copies it in) turns each
        # cell's slice into identity, colour and size probabilities, which enter that cell's patch tokens
        self.read: nn.Module | None = None
        if read:
            self.read = cell_head().requires_grad_(False)
            self.read_in = nn.Linear(PER_CELL, dim)
            nn.init.zeros_(self.read_in.weight)
            nn.init.zeros_(self.read_in.bias)
        self.inp = nn.Linear(pdim, dim)
        self.pos = nn.Parameter(torch.randn(1, self.grid * self.grid, dim) * 0.02)
        # which scene cell each patch's centre falls in: patch p takes cell_in(E's slice of that cell)
        self.register_buffer("patch_cell", cell_membership(self.grid).argmax(0), persistent=False)  # [64]
        self.t_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.e_mlp = nn.Sequential(nn.Linear(gen_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.blocks = nn.ModuleList(DiTBlock(dim, heads) for _ in range(depth))
        self.n_out = nn.LayerNorm(dim, eps=1e-6)  # affine: torch 1.13 mis-exports affine-free LN at opset 17
        self.ada_out = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))
        self.out = nn.Linear(dim, pdim)
        for layer in (self.ada_out[1], self.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, sample: Tensor, timestep: Tensor, generation_embedding: Tensor) -> Tensor:
        b, c, p, g = sample.shape[0], self.channels, self.patch, self.grid
        x = sample.reshape(b, c, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, c * p * p)  # [B, 64, 32]
        slices = generation_embedding[:, : CELLS * CELL_DIM].reshape(b, CELLS, CELL_DIM)
        cells = self.cell_in(slices)  # [B, 9, D]
        if self.read is not None:
            logits = self.read(slices)  # [B, 9, PER_CELL]
            ident, colour, size = logits.split((N_IDENTITY, N_COLOUR, N_SIZE), -1)
            cells = cells + self.read_in(torch.cat([ident.softmax(-1), colour.softmax(-1), size.softmax(-1)], -1))
        x = self.inp(x) + self.pos + cells[:, self.patch_cell]  # [B, 64, D]
        cond = self.t_mlp(timestep_embedding(timestep, self.dim)) + self.e_mlp(generation_embedding)  # [B, D]
        for blk in self.blocks:
            x = blk(x, cond)
        s, sh = self.ada_out(cond).unsqueeze(1).chunk(2, dim=-1)
        x = self.out(self.n_out(x) * (1 + s) + sh)  # [B, 64, 32]
        return x.reshape(b, g, g, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, c, g * p, g * p)


def grow_state(model: Denoiser, state: dict[str, Tensor]) -> list[str]:
    """Loads a shallower denoiser's state into `model` (the same blocks first, the rest as initialised: zero gates,
    so the model computes what `state` did). Returns the names of the new blocks' parameters; anything else that
    does not match is an error."""
    if depth_of(state) > len(model.blocks):
        raise ValueError(f"a {depth_of(state)}-block denoiser does not fit in {len(model.blocks)} blocks")
    missing, unexpected = model.load_state_dict(state, strict=False)
    fresh = {f"blocks.{k}." for k in range(depth_of(state), len(model.blocks))}
    if model.read is not None and not reads_cells(state):
        fresh |= {"read.", "read_in."}
    wrong = [n for n in missing if not any(n.startswith(f) for f in fresh)] + list(unexpected)
    if wrong:
        raise ValueError(f"denoiser state does not match beyond its depth: {wrong[:5]}")
    return list(missing)
