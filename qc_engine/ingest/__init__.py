"""Reading the platforms' exports: the loader API, format detection, encodings, roles and normalization into conversations."""
