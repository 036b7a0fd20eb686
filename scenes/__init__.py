"""The explainer's scenes, one per storyboard beat, in film order."""
from __future__ import annotations

import importlib

# (class name, module) in the order of STORYBOARD.md; render.py and the tests read this list.
FILM = [
    ("Title", "scenes.title"),
    ("PredictSample", "scenes.predict_sample"),
    ("ModelSize", "scenes.model_size"),
    ("DataFlow", "scenes.data_flow"),
    ("WeightsAndData", "scenes.weights_and_data"),
    ("Tokenization", "scenes.tokenization"),
    ("EmbeddingMatrix", "scenes.embedding_matrix"),
    ("Training", "scenes.training"),
    ("EmbeddingSpace", "scenes.embedding_space"),
    ("ContextFlow", "scenes.context_flow"),
    ("ContextSize", "scenes.context_size"),
    ("Attention", "scenes.attention"),
    ("MLP", "scenes.mlp"),
    ("Unembedding", "scenes.unembedding"),
    ("Softmax", "scenes.softmax"),
    ("Temperature", "scenes.temperature"),
    ("Chatbot", "scenes.chatbot"),
    ("ParameterCount", "scenes.parameter_count"),
    ("Recap", "scenes.recap"),
]

# Renderable, but not part of the film.
EXTRAS = [
    ("Gallery", "scenes.gallery"),
    ("GallerySpace", "scenes.gallery"),
]


def scene_class(name: str):
    """The scene class called ``name`` (of the film or the extras). Raises KeyError for another
    name."""
    for cls_name, module in FILM + EXTRAS:
        if cls_name == name:
            return getattr(importlib.import_module(module), cls_name)
    raise KeyError(name)


def scene_names(extras: bool = False) -> list[str]:
    return [name for name, _ in FILM + (EXTRAS if extras else [])]
