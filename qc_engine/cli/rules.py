"""`qc rules ...`: check, test and document rules and rule files."""
from __future__ import annotations

import json
from pathlib import Path

import click

from qc_engine.plugins import load_plugins
from qc_engine.plugins import collect
from qc_engine.rulefiles.check import check_rule_files
from qc_engine.rulefiles.files import RuleFileError, rule_file_paths, rule_file_schema
from qc_engine.text.clean import printable
from qc_engine.rulefiles.selftest import run_file_tests
from qc_engine.cli.reference import default_config, render_reference


def _registry(plugin_files=()):
    return collect(load_plugins(plugin_files))


plugin_option = click.option("--plugin", "plugin_files", multiple=True, type=click.Path(path_type=Path),
                             help="Also load this plugin .py file.")


@click.group("rules")
def rules_group():
    """Rules and rule files: validate, test, list and explain them."""


@rules_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@plugin_option
def validate_cmd(files, plugin_files):
    """Check rule files as an audit uses them: the schema, rule ids, named files, and every rule compiled for
    every shop they name. Each error names the file, the place and what was expected."""
    check = check_rule_files(_registry(plugin_files), list(files))
    for path in rule_file_paths(list(files)):
        problems = check.by_file.get(str(path), [])
        if not problems:
            click.echo(f"ok      {printable(str(path))}")
        for line in problems:
            click.echo(f"error   {printable(line)}")
    if check.errors:
        raise click.ClickException(f"{len(check.by_file)} rule file(s) have errors")


@rules_group.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@plugin_option
def test_cmd(files, plugin_files):
    """Run the test cases written in rule files (their `tests:` section)."""
    registry = _registry(plugin_files)
    passed = failed = 0
    for path in rule_file_paths(list(files)):
        try:
            results = run_file_tests(path, registry)
        except RuleFileError as exc:
            raise click.ClickException(str(exc).splitlines()[0]) from None
        for r in results:
            if r.passed:
                passed += 1
            else:
                failed += 1
                click.echo(f"FAIL {r.file} test {r.index} ({r.name}): {r.detail}")
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise click.exceptions.Exit(1)


@rules_group.command("list")
@plugin_option
def list_cmd(plugin_files):
    """List every rule: id, category, severity, and what it catches."""
    for reg in _registry(plugin_files).rules:
        doc = reg.cls.doc()
        flag = " 一票否决" if doc.red_line else ""
        click.echo(f"{doc.id:6s} {doc.category:17s} {doc.severity:8s}{flag}  {doc.summary}")


@rules_group.command("show")
@click.argument("rule_id")
@plugin_option
def show_cmd(rule_id, plugin_files):
    """Explain one rule, with an example that breaks it and one that does not."""
    registry = _registry(plugin_files)
    reg = registry.rule(rule_id.upper())
    if reg is None:
        raise click.ClickException(f"no rule {rule_id!r}; `qc rules list` shows them all")
    click.echo(render_reference([reg], heading_level=1, config=default_config(registry)).strip())


@rules_group.command("docs")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of printing.")
@plugin_option
def docs_cmd(out, plugin_files):
    """Generate the rule reference (Markdown) from the rules themselves."""
    registry = _registry(plugin_files)
    text = render_reference(registry.rules, config=default_config(registry))
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        click.echo(text)


@rules_group.command("schema")
@plugin_option
def schema_cmd(plugin_files):
    """Print the JSON Schema every rule file is validated against."""
    click.echo(json.dumps(rule_file_schema(_registry(plugin_files).section_schemas()), ensure_ascii=False, indent=2))
