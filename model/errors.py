"""The model package's one error type for checkpoints (shipped names and GPT-2 folders alike)."""


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unknown, corrupt, misshapen or does not match its recorded hash."""
