"""The PyTorch engine: shuffled minibatches of pairs through two embedding matrices (GPU, or CPU)."""
