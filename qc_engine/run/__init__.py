"""Running an audit: reading inputs, handing batches to worker processes, writing their rows in order."""
