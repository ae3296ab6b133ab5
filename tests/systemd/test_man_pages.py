"""The manual pages render without warnings and document what they must: sluice-rules(5) every
rule field (of the parser's field table and of spec/rules.md) and the precedence; sluiced(8)
every key of the shipped config and every exit status; sluicectl(1) every command."""

import os
import re
import subprocess
from pathlib import Path

import pytest


def render(page):
    env = dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0")
    result = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"{page.name}: {result.stderr}"
    # Plain text: drop the overstrike bold and underline some man configurations emit.
    return re.sub(r".\x08", "", result.stdout)


def section(text, title):
    found = re.search(rf"^{title}\n(.*?)(?=^[A-Z][A-Z ]+\n|\Z)", text, re.S | re.M)
    assert found, f"no {title} section"
    return found.group(1)


def code_rule_fields(source_dir):
    table = (source_dir / "rules" / "rule_fields.cpp").read_text()
    return re.findall(r'RuleFieldInfo\{RuleField::k\w+, "(\w+)"', table)


def spec_rule_fields(source_dir):
    """Keys of the example rule in spec/rules.md (shared/ lives beside the repository)."""
    for spec in (source_dir.parent / "shared" / "spec" / "rules.md",
                 Path("/work/shared/spec/rules.md")):
        if spec.exists():
            example = spec.read_text().split("```yaml", 1)[1].split("```", 1)[0]
            return re.findall(r"^ +(?:- )?(\w+):", example, re.M)
    return []


def test_sluice_rules_documents_every_field(source_dir):
    text = render(source_dir / "docs" / "man" / "sluice-rules.5")
    fields = section(text, "FIELDS")
    names = set(code_rule_fields(source_dir)) | set(spec_rule_fields(source_dir))
    assert len(names) >= 24, names
    documented = set(re.findall(r"^ {7}(\w+) \(", fields, re.M))
    assert names - documented == set(), "fields without an entry in sluice-rules(5)"
    assert documented - names == set(), "entries for fields the parser does not know"


def test_sluice_rules_documents_the_precedence(source_dir):
    text = render(source_dir / "docs" / "man" / "sluice-rules.5")
    precedence = " ".join(section(text, "PRECEDENCE").split())
    for step in ("1. Higher priority first.",
                 "2. Then the more specific rule: a rule naming the program (process, package or "
                 "sha256) beats one that does not; then an exact host beats *.suffix, a longer "
                 "suffix beats a shorter one, a longer ip prefix beats a shorter one, a port (or "
                 "local_port) beats no port, and a user beats a group beats neither.",
                 "3. At equal rank, deny/reject beats allow beats prompt.",
                 "4. Then the rule loaded first",
                 "5. No rule matches: the configuration's default_action"):
        assert step in precedence


def test_sluiced_documents_every_config_key_and_exit_status(source_dir):
    text = " ".join(render(source_dir / "docs" / "man" / "sluiced.8").split())
    keys, parents = [], []
    for line in (source_dir / "config" / "sluiced.yaml").read_text().splitlines():
        found = re.match(r"^( *)(\w+):(.*)$", line)
        if not found or line.lstrip().startswith("#"):
            continue
        depth = len(found.group(1)) // 2
        parents = parents[:depth] + [found.group(2)]
        value = found.group(3).split("#")[0].strip()
        if value:
            keys.append((".".join(parents), value))
    assert len(keys) >= 20
    for key, default in keys:
        assert f"{key}: {default}" in text, f"sluiced(8) lacks config key {key}: {default}"
    exit_status = section(render(source_dir / "docs" / "man" / "sluiced.8"), "EXIT STATUS")
    assert re.findall(r"^ {7}(\d)\s", exit_status, re.M) == ["0", "1", "2"]
    for option in ("--config", "--foreground", "--log-level", "--check-config",
                   "--remove-firewall", "--help", "--version"):
        assert option in text


def test_sluicectl_documents_every_command(source_dir):
    text = section(render(source_dir / "docs" / "man" / "sluicectl.1"), "COMMANDS")
    for command in ("status", "rules list", "rules add --action", "rules rm", "rules edit",
                    "rules check", "connections", "monitor", "prompt", "enable, disable",
                    "reload"):
        assert re.search(rf"^ {{7}}{re.escape(command)}", text, re.M), command
