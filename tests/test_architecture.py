"""The import contracts of pyproject.toml ([tool.importlinter], see docs/architecture.md) hold."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"  # from the test extra, beside this Python


def lint_imports(folder: Path) -> subprocess.CompletedProcess:
    """lint-imports run in a folder: it checks the contracts of the pyproject.toml there."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=folder, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_is_reported(tmp_path):
    """The linter reads the real import graph: an import the code has, once forbidden, fails the check."""
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["qc_engine", "qc_plugins"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "the CLI without the runner"\ntype = "forbidden"\n'
        'source_modules = ["qc_engine.cli"]\nforbidden_modules = ["qc_engine.run"]\n',
        encoding="utf-8",
    )
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "qc_engine.cli is not allowed to import qc_engine.run" in result.stdout
