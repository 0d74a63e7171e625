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
    """A plugin is a module or a package of plugins/<kind>/ (a package's own modules are its parts)."""
    entry_points = set(PYPROJECT["project"]["entry-points"]["qc_engine"].values())
    plugins = ROOT / "plugins"
    modules = {"qc_plugins." + p.stem for p in plugins.glob("*.py") if p.stem != "__init__"}
    for kind in (d for d in plugins.iterdir() if (d / "__init__.py").is_file()):
        for p in kind.iterdir():
            if p.suffix == ".py" and p.stem != "__init__":
                modules.add(f"qc_plugins.{kind.name}.{p.stem}")
            elif (p / "__init__.py").is_file():
                modules.add(f"qc_plugins.{kind.name}.{p.name}")
    assert modules == entry_points
