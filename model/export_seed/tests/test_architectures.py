"""The rebuilt modules at the REAL configs (built on the meta device: no memory, no weights) have the published
parameter counts and key names: SD 2.x UNet 865,910,724 (+ the unCLIP projection class embedding), SD VAE 83,653,863,
EVA ViT-g (39 blocks) 985,894,528; and the stand-in checkpoint tables load strictly into them."""

from __future__ import annotations

import torch

from model.export_seed.eva_vit import EvaVit, VitConfig
from model.export_seed.qformer import Qformer, QformerConfig
from model.export_seed.testing.checkpoints import quantizer_key_table, vit_key_table
from model.export_seed.unet import UNet2DConditionModel, UNetConfig
from model.export_seed.vae import AutoencoderKL, VaeConfig

# stable-diffusion-2-1-unclip/unet/config.json (the fields this UNet reads)
UNCLIP_UNET = {
    "act_fn": "silu",
    "attention_head_dim": [5, 10, 20, 20],
    "block_out_channels": [320, 640, 1280, 1280],
    "class_embed_type": "projection",
    "cross_attention_dim": 1024,
    "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
    "in_channels": 4,
    "layers_per_block": 2,
    "out_channels": 4,
    "projection_class_embeddings_input_dim": 2048,
    "sample_size": 96,
    "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
    "use_linear_projection": True,
    "upcast_attention": True,
}
SD_VAE = {
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "latent_channels": 4,
    "layers_per_block": 2,
    "sample_size": 768,
}


def count(m: torch.nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def test_unclip_unet_has_sd2_parameter_count_and_diffusers_names() -> None:
    with torch.device("meta"):
        u = UNet2DConditionModel(UNetConfig.from_json(UNCLIP_UNET))
    assert count(u) - count(u.class_embedding) == 865_910_724
    assert count(u.class_embedding) == 2048 * 1280 + 1280 + 1280 * 1280 + 1280
    keys = set(u.state_dict())
    for k in (
        "conv_in.weight",
        "time_embedding.linear_1.weight",
        "class_embedding.linear_2.bias",
        "down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight",
        "down_blocks.0.downsamplers.0.conv.weight",
        "down_blocks.3.resnets.1.time_emb_proj.weight",
        "mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight",
        "mid_block.attentions.0.transformer_blocks.0.ff.net.2.weight",
        "up_blocks.0.resnets.2.conv_shortcut.weight",
        "up_blocks.0.upsamplers.0.conv.weight",
        "up_blocks.3.attentions.2.proj_out.weight",
        "conv_norm_out.weight",
        "conv_out.bias",
    ):
        assert k in keys, k
    assert u.state_dict()["down_blocks.1.attentions.0.proj_in.weight"].shape == (640, 640)  # linear projection (SD 2)


def test_sd_vae_has_the_published_parameter_count_and_names() -> None:
    with torch.device("meta"):
        v = AutoencoderKL(VaeConfig.from_json(SD_VAE))
    assert count(v) == 83_653_863
    keys = set(v.state_dict())
    for k in (
        "encoder.down_blocks.0.downsamplers.0.conv.weight",
        "encoder.mid_block.attentions.0.to_q.weight",
        "encoder.mid_block.attentions.0.group_norm.weight",
        "decoder.up_blocks.3.resnets.2.conv2.weight",
        "quant_conv.weight",
        "post_quant_conv.weight",
        "encoder.conv_out.weight",
    ):
        assert k in keys, k


def test_eva_vit_g_parameter_count_and_stand_in_key_table() -> None:
    with torch.device("meta"):
        vit = EvaVit(VitConfig(depth=39))
    assert count(vit) == 985_894_528
    with torch.device("meta"):
        two = EvaVit(VitConfig(depth=2))
    own = {k: tuple(v.shape) for k, v in two.state_dict().items()}
    table = {k: (s[1:] if s[0] == "ln" else s) for k, s in vit_key_table(2).items()}
    assert own == table


def test_qformer_key_table_matches_the_module() -> None:
    with torch.device("meta"):
        q = Qformer(QformerConfig(layers=2))
    own = {f"Qformer.{k}": tuple(v.shape) for k, v in q.state_dict().items()}
    table = {
        k: (s[1:] if s[0] == "ln" else s)
        for k, s in quantizer_key_table(2).items()
        if k.startswith("Qformer.") and "position_ids" not in k
    }
    assert own == table
    assert "Qformer.bert.encoder.layer.1.crossattention.self.key.weight" not in own  # cross-attention every 2nd layer
    assert own["Qformer.bert.encoder.layer.0.crossattention.self.key.weight"] == (768, 1408)
