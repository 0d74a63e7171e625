"""Shop rule files: parsing, strict validation, merging over the defaults and the test cases they carry."""
