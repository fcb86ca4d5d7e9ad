"""Exporter of the real SEED (SEED-2 tokenizer, unCLIP SD-2.1 decoder, SEED-LLaMA) into the model package format.

    python -m model.export_seed --tokenizer seed_quantizer.pt --vit eva_vit_g.pth --unclip DIR --llm DIR --out PKG

Every part is rebuilt from its published architecture in plain torch modules (transformers' LlamaForCausalLM and
CLIPTextModel where they exist) and loaded from the original checkpoints by their original key names, strictly:
a key that no module takes and that is not on an explicit list of known-unused keys is an error. See README.md.
"""

import os as _os

# Passive OpenMP threads: on shared cores, spinning threads slow every other process (and this one) down.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
