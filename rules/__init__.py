"""Rule files shipped with qc-engine: the defaults every shop starts from, and example shop files."""
