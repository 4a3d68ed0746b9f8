#!/usr/bin/env python3
"""Gate on a slither JSON report: fail on any high- or medium-impact finding in our own
contracts (contracts/) that is not triaged in the triage file with a reason.

    slither_gate.py --report slither.json --triage script/slither-triage.json

The triage file is a JSON list of {"check": ..., "where": ..., "what": ..., "reason": ...}. "where"
names the code the finding is about, stable across edits that only move lines: "Contract.function"
for a function, "Contract.function.variable" for a local, "Contract.variable" for a state variable.
"what" is the finding's own text: the offending expressions slither points at (its node elements,
joined by " | "), or, for a finding without any (a state variable), its description with source
locations removed. One entry covers exactly one finding, so a second finding of the same check in
the same function (another `== 0` in `fund`) is untriaged until it gets its own entry. Both are
printed by this script for every untriaged finding.
A triage entry that no longer matches any finding is reported (stale) so the file stays true.
Standard library only.
"""
import argparse
import json
import re
import sys

GATED_IMPACTS = {"High", "Medium"}
OWN_PREFIX = "contracts/"


def where(finding):
    """A name for the code a finding is about that survives line shifts."""
    elements = finding.get("elements") or [{}]
    element = elements[0]
    parts = [element.get("name", "?")]
    parent = element.get("type_specific_fields", {}).get("parent", {})
    while parent:
        parts.append(parent.get("name", "?"))
        if parent.get("type") == "contract":
            break
        parent = parent.get("type_specific_fields", {}).get("parent", {})
    names = [p.split("(")[0] for p in reversed(parts)]
    return ".".join(names)


def what(finding):
    """The finding's own text, without line numbers: its offending expressions, else its description."""
    nodes = [e.get("name", "") for e in finding.get("elements", []) if e.get("type") == "node"]
    if nodes:
        return " | ".join(nodes)
    text = re.sub(r"\s*\([^()]*#\d+(-\d+)?\)", "", finding.get("description", ""))
    return " ".join(text.split())


def key(finding):
    return (finding.get("check"), where(finding), what(finding))


def own(finding):
    for element in finding.get("elements", []):
        path = element.get("source_mapping", {}).get("filename_relative", "")
        if path.startswith(OWN_PREFIX):
            return True
    return False


class GateError(Exception):
    """A problem that stops the gate, with its fix."""


def read_json(path, what, fix):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise GateError(f"cannot read {what} {path}: {err} — {fix}") from err


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", required=True)
    parser.add_argument("--triage", required=True)
    args = parser.parse_args()

    try:
        report = read_json(args.report, "report", "did slither run?")
        triage = read_json(args.triage, "triage file", "fix its JSON")
    except GateError as err:
        print(f"slither gate: error: {err}", file=sys.stderr)
        return 1
    if not report.get("success", False):
        print(f"slither gate: error: slither failed: {report.get('error')} — run it by hand to see why", file=sys.stderr)
        return 1
    for entry in triage:
        if not all(isinstance(entry.get(k), str) and entry.get(k).strip() for k in ("check", "where", "what", "reason")):
            print(f"slither gate: error: triage entry {entry} needs non-empty check, where, what and reason",
                  file=sys.stderr)
            return 1
    triaged = {(e["check"], e["where"], e["what"]) for e in triage}

    findings = report.get("results", {}).get("detectors", [])
    gated = [f for f in findings if f.get("impact") in GATED_IMPACTS and own(f)]
    untriaged = [f for f in gated if key(f) not in triaged]
    seen = {key(f) for f in gated}
    stale = [e for e in triage if (e["check"], e["where"], e["what"]) not in seen]

    for f in untriaged:
        first = f.get("description", "").strip().splitlines()[0] if f.get("description") else ""
        print(f"slither gate: UNTRIAGED {f.get('impact')} {f.get('check')} where={where(f)} "
              f"what={json.dumps(what(f))}: {first}")
    for e in stale:
        print(f"slither gate: stale triage entry (no such finding any more): {e['check']} where={e['where']} "
              f"what={json.dumps(e['what'])}")
    print(f"slither gate: {len(gated)} high/medium finding(s) in {OWN_PREFIX}, "
          f"{len(gated) - len(untriaged)} triaged, {len(untriaged)} untriaged, {len(stale)} stale triage entr(ies)")
    if untriaged:
        print("slither gate: error: fix each untriaged finding, or add it to the triage file with its reason",
              file=sys.stderr)
        return 1
    if stale:
        print("slither gate: error: remove the stale triage entries", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
