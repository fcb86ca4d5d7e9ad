"""SEED-mini's language model that reads and writes image tokens (SEED-LLaMA at small scale).

Modules (run from the repository root with the venv of scripts/setup-python.sh, e.g. `.venv/bin/python -m model.train --only lm`):
    text_tokenizer   SentencePiece BPE training, tokenizer.json in the legacy LLaMA form, Python reference encoder
    template         the Vicuna chat template of SEED-LLaMA 8B: conversation -> ids + loss mask
    tasks            conversations built from dataset.py scenes (text->image, captioning, VQA, edits, compositions)
    codes            image codes for scenes: the frozen visual tokenizer, or random stand-in codes
    data             the training set (scenes + codes cached in model/train/runs/lm/) and packed batches
    model            decoder-only transformer (RMSNorm, RoPE, SwiGLU) with an explicit [B,H,S,D] KV cache
    generate         greedy / top-p generation with the KV cache (the reference the TypeScript runtime mirrors)
    train            one resumable training command
    export           ONNX (Optimum names), tokenizer files, generation_config.json, manifest block, fixtures
    evaluate         captioning / VQA / text->image accuracy, span validity, ms/token
    export_serving   the package's LM as a Hugging Face LlamaForCausalLM folder + GGUF, for serving engines
    serving_formats  the writers of those two formats from Hugging Face-named LLaMA weights (shared with export_seed)
"""
