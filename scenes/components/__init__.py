"""Reusable mobjects in the visual grammar; each builds from numpy and validates its input."""
from .attention_grid import AttentionGrid
from .bars import ProbabilityBars
from .column_matrix import ColumnMatrix
from .embedding_space import EmbeddingSpace, pca_3d, turn
from .flow import FlowDiagram
from .matvec import MatrixVectorProduct
from .mlp_layer import MLPLayer
from .prompt_text import PromptText
from .tally import ParameterTally
from .text import label, percent, show_piece
from .token_strip import TokenStrip
from .vectors import DataVector, VectorArray
from .weight_matrix import WeightMatrix

__all__ = ["AttentionGrid", "ColumnMatrix", "DataVector", "EmbeddingSpace", "FlowDiagram", "MLPLayer",
           "MatrixVectorProduct", "ParameterTally", "ProbabilityBars", "PromptText", "TokenStrip",
           "VectorArray", "WeightMatrix", "label", "pca_3d", "percent", "show_piece", "turn"]
