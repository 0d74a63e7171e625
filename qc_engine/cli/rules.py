"""`qc rules ...`: check, test and document rules and rule files."""
from __future__ import annotations

import json
from pathlib import Path

import click

from qc_engine.lang import N_, _, current
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
                             help=N_("Also load this plugin .py file."))


@click.group("rules", help=N_("Rules and rule files: validate, test, list and explain them."))
def rules_group():
    pass


@rules_group.command("validate", help=N_("""Check rule files as an audit uses them: the schema, rule ids, named files, and every rule compiled for
every shop they name. Each error names the file, the place and what was expected."""))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@plugin_option
def validate_cmd(files, plugin_files):
    check = check_rule_files(_registry(plugin_files), list(files))
    for path in rule_file_paths(list(files)):
        problems = check.by_file.get(str(path), [])
        if not problems:
            click.echo(_("ok      {path}").format(path=printable(str(path))))
        for line in problems:
            click.echo(_("error   {line}").format(line=printable(line)))
    if check.errors:
        raise click.ClickException(_("{n} rule file(s) have errors").format(n=len(check.by_file)))


@rules_group.command("test", help=N_("Run the test cases written in rule files (their `tests:` section)."))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@plugin_option
def test_cmd(files, plugin_files):
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
                click.echo(_("FAIL {file} test {index} ({name}): {detail}").format(
                    file=r.file, index=r.index, name=r.name, detail=r.detail))
    click.echo(_("{passed} passed, {failed} failed").format(passed=passed, failed=failed))
    if failed:
        raise click.exceptions.Exit(1)


@rules_group.command("list", help=N_("List every rule: id, category, severity, and what it catches."))
@plugin_option
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON (for scripts)."))
def list_cmd(plugin_files, as_json):
    registry = _registry(plugin_files)
    docs = [(reg, reg.cls.doc()) for reg in registry.rules]
    if as_json:
        click.echo(json.dumps([{"id": d.id, "name": d.name, "category": d.category, "severity": d.severity,
                                "red_line": bool(d.red_line), "summary": d.summary, "plugin": reg.plugin}
                               for reg, d in docs], ensure_ascii=False, indent=2))
        return
    from qc_engine.cli.tables import print_table

    from qc_engine.reports.i18n import Words

    words = Words(current())  # category and severity as the reports name them
    print_table([_("rule"), _("category"), _("severity"), _("red line"), _("what it catches")],
                [[d.id, words.category(d.category), words.severity(d.severity), _("zeroes the score") if d.red_line else "",
                  d.summary] for _reg, d in docs],
                styles={0: "bold"})


@rules_group.command("show", help=N_("Explain one rule, with an example that breaks it and one that does not."))
@click.argument("rule_id")
@plugin_option
def show_cmd(rule_id, plugin_files):
    registry = _registry(plugin_files)
    reg = registry.rule(rule_id.upper())
    if reg is None:
        raise click.ClickException(_("no rule {id!r}; `qc rules list` shows them all").format(id=rule_id))
    click.echo(render_reference([reg], heading_level=1, config=default_config(registry)).strip())


@rules_group.command("docs", help=N_("Generate the rule reference (Markdown) from the rules themselves."))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help=N_("Write to this file instead of printing."))
@plugin_option
def docs_cmd(out, plugin_files):
    registry = _registry(plugin_files)
    text = render_reference(registry.rules, config=default_config(registry))
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(_("wrote {path}").format(path=out))
    else:
        click.echo(text)


@rules_group.command("schema", help=N_("Print the JSON Schema every rule file is validated against."))
@plugin_option
def schema_cmd(plugin_files):
    click.echo(json.dumps(rule_file_schema(_registry(plugin_files).section_schemas()), ensure_ascii=False, indent=2))
