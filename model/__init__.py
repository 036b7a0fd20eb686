"""The compact GPT behind the explainer: tokenizer, forward pass with captures, sampling.

Public API (the scenes and tools rely on these names). ``checkpoint`` is a shipped name
(``checkpoint_names()``: "default", "small"), a training snapshot ("small@step0") or the path of a
GPT-2 folder in the Hugging Face layout (config.json, model.safetensors or pytorch_model.bin,
vocab.json, merges.txt; see model/hf_folder.py); a bad one raises CheckpointError with one line.
    get_encoding(checkpoint="default")    its tiktoken Encoding, built offline (model/assets/)
    run(text, checkpoint="default")      a Trace: tokens, pieces, config, cache of activations
    run_tokens(ids, checkpoint="default") the same from token ids
    weights(checkpoint="default")        every parameter as numpy, TransformerLens names
    config(checkpoint="default")         its shape: n_layer, n_head, d_model, n_ctx, n_vocab ...
    softmax(logits, temperature)         T = 0 greedy; -inf entries get 0; T < 0 or NaN raises ValueError
    generate(text, n_tokens, ...)        seeded sampling of new token ids (temperature, top_k, top_p)
    sampled_distribution(logits, T, top_k, top_p)  what generate draws from: softmax at T, cut, renormalised
    TOP_K                                 the film's cut for its demo samples (tests/benchmarks/sampling.py)
"""
from .checkpoint import CheckpointError, checkpoint_names, config, weights
from .sampling import TOP_K, generate, sampled_distribution, softmax
from .tokenizer import get_encoding
from .trace import Trace, run, run_tokens

__all__ = ["CheckpointError", "TOP_K", "Trace", "checkpoint_names", "config", "generate", "get_encoding",
           "run", "run_tokens", "sampled_distribution", "softmax", "weights"]
