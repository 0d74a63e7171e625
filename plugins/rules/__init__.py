"""The built-in rules, registered through the qc_engine entry-point group like any vendor's."""
