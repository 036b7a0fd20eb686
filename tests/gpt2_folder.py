"""A tiny random GPT-2 folder in the Hugging Face layout, written at test time (nothing downloaded).

``write_gpt2_folder(folder)`` trains a byte-level BPE with ``tokenizers`` on a little text (saved as
vocab.json + merges.txt) and saves a ``transformers`` GPT2LMHeadModel of a tiny GPT2Config with
every parameter random (biases and LayerNorms too, so a misplaced one shows), as safetensors.
"""
from __future__ import annotations

from pathlib import Path

TEXT = """When the letter came, Emma smiled at her father and said that she would not go.
Then Elizabeth looked at her sister, and Mr. Darcy walked into the room with his friend,
and Jane sat down by the fire. It is a truth universally acknowledged, that a single man in
possession of a good fortune, must be in want of a wife. She walked on through the long wet
fields, thinking of nothing at all. "I can't," he said; 'we'll see.' 1815, 42 miles, £3 — café!
"""


def write_gpt2_folder(folder: Path, n_layer: int = 2, n_head: int = 4, n_embd: int = 32,
                      n_positions: int = 64, safetensors: bool = True, seed: int = 0) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel

    folder.mkdir(parents=True, exist_ok=True)
    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator([TEXT] * 20, vocab_size=400, min_frequency=2,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    tok.save_model(str(folder))
    cfg = GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=n_positions, n_embd=n_embd,
                     n_layer=n_layer, n_head=n_head, activation_function="gelu_new",
                     layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=0)
    torch.manual_seed(seed)
    net = GPT2LMHeadModel(cfg).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0.0, 0.3)
    net.save_pretrained(str(folder), safe_serialization=safetensors)
    return folder


def hf_tokenizer(folder: Path):
    """The same tokenizer as ``transformers`` reads it (ids to compare ours against)."""
    from transformers import GPT2TokenizerFast
    return GPT2TokenizerFast(vocab_file=str(folder / "vocab.json"), merges_file=str(folder / "merges.txt"))


def hf_logits(folder: Path, ids: list[int]):
    """transformers' logits [pos, n_vocab] for ``ids``."""
    import torch
    from transformers import GPT2LMHeadModel
    net = GPT2LMHeadModel.from_pretrained(str(folder)).eval()
    with torch.no_grad():
        return net(torch.tensor([ids])).logits[0].numpy()
