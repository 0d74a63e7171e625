"""Transcript loaders for the platforms' exports, registered through the qc_engine entry-point group."""
