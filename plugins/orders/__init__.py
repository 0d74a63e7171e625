"""Order-export loaders for the sales figures."""
