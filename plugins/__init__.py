"""The built-in plugins of qc-engine, registered through the same entry-point group as any vendor plugin."""
