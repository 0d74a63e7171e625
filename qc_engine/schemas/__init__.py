"""JSON Schemas published with the package: the normalized conversation and the rule file."""
import json
from functools import cache
from importlib.resources import files


@cache
def load_schema(name: str) -> dict:
    return json.loads(files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))
