"""The package ships every module and data file it needs (a non-editable install would miss them otherwise)."""
import tomllib

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_python_package_is_listed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    roots = PYPROJECT["tool"]["setuptools"]["package-dir"]
    found = set()
    for name, folder in roots.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            found.add(".".join([name, *rel.parts]))
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_every_built_in_plugin_module_has_an_entry_point():
    entry_points = set(PYPROJECT["project"]["entry-points"]["qc_engine"].values())
    modules = {
        "qc_plugins." + ".".join(p.relative_to(ROOT / "plugins").with_suffix("").parts)
        for p in (ROOT / "plugins").rglob("*.py")
        if p.stem != "__init__"
    }
    assert modules == entry_points
