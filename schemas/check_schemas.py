#!/usr/bin/env python3
"""Checks Recast's recipe and preset JSON Schemas and the YAML files that must (or must not) satisfy them.

  python3 schemas/check_schemas.py [--shared DIR] [-v]

What it checks:
  1. both schemas against the draft 2020-12 metaschema; every property has a description;
  2. every ```yaml block in coreai-opt's config docs (and the coreai-opt conformance configs) validates as a preset
     and is clean under the semantic rules below;
  3. recipes/*.yaml (presets) and Examples/**/*.yaml (recipes) validate and are clean;
  4. Tests/RecastRecipeTests/Valid/*.yaml validate (as a recipe when they have `recast`, else as a preset) and are clean;
  5. Tests/RecastRecipeTests/Inputs/: each file names its expected diagnostic in a `# expect: ID` comment.
     schema-* files must fail the recipe schema with exactly one error of that keyword; lint-* files must pass the
     schema and trigger exactly that rule in the semantic checks; yaml-* files are for the YAML reader and skipped.

The semantic checks here are a small, independent model of Recast's lint rules (the Swift linter is the product;
this is an oracle for the test corpus). Needs PyYAML and jsonschema >= 4.18 (for `referencing`).

YAML notes: Recast reads YAML 1.2 (core schema); PyYAML reads YAML 1.1. Plain scalars whose meaning differs between
the two (yes/no/on/off, 1e-3, 0o17, dates) are reported as errors so shipped files mean the same in both.
Mapping keys are taken as their source text, as Recast does: `0` and "0" are the same key.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
PRESET_DIR = ROOT / "recipes"
TESTS = ROOT / "Tests" / "RecastRecipeTests"

ACTIVATION_DTYPES = {"int8", "uint8", "float8_e4m3fn"}
ACTIVATION_GROUPS = ("op_input_spec", "op_output_spec", "module_input_spec", "module_output_spec")
SPEC_GROUPS = ACTIVATION_GROUPS + ("op_state_spec", "module_state_spec")


# ----------------------------------------------------------------------------------------------------------------------
# YAML loading


class LoadError(Exception):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader that keys mappings by source text and records keys that collide."""

    def __init__(self, stream):
        super().__init__(stream)
        self.collisions: list[tuple[str, str, bool]] = []  # (key text, mark, same tag?)
        self.hazards: list[str] = []


_YAML11_ONLY_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_YAML12_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_YAML12_INT = re.compile(r"^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")


def _check_hazard(loader: _Loader, node: yaml.ScalarNode, value) -> None:
    if node.style is not None and node.style != "":
        return  # quoted or block scalars are strings in both versions
    text = node.value
    where = f"line {node.start_mark.line + 1}"
    if _YAML11_ONLY_BOOL.match(text):
        loader.hazards.append(f"{where}: plain '{text}' is a boolean in YAML 1.1 but a string in YAML 1.2; quote it")
    elif isinstance(value, str) and (_YAML12_FLOAT.match(text) or _YAML12_INT.match(text)):
        loader.hazards.append(f"{where}: plain '{text}' is a number in YAML 1.2 but a string in YAML 1.1")
    elif not isinstance(value, (str, int, float, bool, type(None))):
        loader.hazards.append(f"{where}: plain '{text}' is a {type(value).__name__} in YAML 1.1; quote it")
    elif isinstance(value, int) and not isinstance(value, bool) and not _YAML12_INT.match(text):
        loader.hazards.append(f"{where}: plain '{text}' is an integer in YAML 1.1 only")


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)  # resolves `<<` merge keys: merged pairs first, then the mapping's own
    first_own = len(node.value) - own
    result: dict = {}
    seen: dict[str, str] = {}
    for index, (key_node, value_node) in enumerate(node.value):
        if not isinstance(key_node, yaml.ScalarNode):
            raise LoadError(f"line {key_node.start_mark.line + 1}: mapping keys must be scalars")
        key = key_node.value  # the key's source text, as Recast reads it
        if index >= first_own:
            if key in seen:
                loader.collisions.append((key, f"line {key_node.start_mark.line + 1}", seen[key] == key_node.tag))
            seen[key] = key_node.tag
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_any_scalar(loader: _Loader, node: yaml.ScalarNode):
    value = yaml.SafeLoader.yaml_constructors[node.tag](loader, node)
    _check_hazard(loader, node, value)
    return value


_Loader.add_constructor("tag:yaml.org,2002:map", lambda l, n: _construct_mapping(l, n))
for _tag in ("bool", "int", "float", "null", "str", "timestamp"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_any_scalar)


class Loaded:
    def __init__(self, path: Path, data, collisions, hazards):
        self.path, self.data, self.collisions, self.hazards = path, data, collisions, hazards


def load_yaml_text(text: str, path: Path) -> Loaded:
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return Loaded(path, data, loader.collisions, loader.hazards)


def load_yaml(path: Path) -> Loaded:
    return load_yaml_text(path.read_text(encoding="utf-8"), path)


# ----------------------------------------------------------------------------------------------------------------------
# Schemas


def load_schemas():
    recipe = json.loads((SCHEMAS / "recipe.schema.json").read_text())
    preset = json.loads((SCHEMAS / "preset.schema.json").read_text())
    registry = Registry().with_resources(
        [(recipe["$id"], Resource.from_contents(recipe)), (preset["$id"], Resource.from_contents(preset))]
    )
    return recipe, preset, registry


def missing_descriptions(node, path="#") -> list[str]:
    """Every schema under `properties` (and every $defs entry) must carry a description."""
    out: list[str] = []
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            if not (isinstance(sub, dict) and sub.get("description")):
                out.append(f"{path}/properties/{name}")
        for name, sub in node.get("$defs", {}).items():
            if not (isinstance(sub, dict) and sub.get("description")):
                out.append(f"{path}/$defs/{name}")
        for key, sub in node.items():
            out += missing_descriptions(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            out += missing_descriptions(sub, f"{path}/{i}")
    return out


def schema_errors(validator: Draft202012Validator, data) -> list:
    return sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator))


def describe(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message} [schema.{error.validator}]"


# ----------------------------------------------------------------------------------------------------------------------
# Semantic rules (an independent model of Recast's lint)


class Finding:
    def __init__(self, rule: str, message: str, severity: str = "error"):
        self.rule, self.message, self.severity = rule, message, severity

    def __repr__(self):
        return f"{self.severity}: {self.message} [{self.rule}]"


def builtin_presets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.yaml"))}


def find_preset(ref: str, base: Path, referrer: Path) -> Path | None:
    """A path (relative to the referring file), else a name in the referring file's folder, else a built-in.
    A name never resolves to the referring file itself: Examples/minilm/w8a8.yaml extending `w8a8` gets the
    built-in preset, not itself."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        candidate = (base / ref).resolve()
        return candidate if candidate.is_file() else None
    local = (base / f"{ref}.yaml").resolve()
    if local.is_file() and local != referrer.resolve():
        return local
    builtin = builtin_presets().get(ref)
    return builtin.resolve() if builtin and builtin.resolve() != referrer.resolve() else None


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def merge(base, over):
    """extends semantics: maps merge key by key, anything else (including null) replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    return over


def resolve(doc: dict, referrer: Path, findings: list[Finding], chain=()) -> dict:
    base = referrer.parent
    refs = doc.get("extends") or []
    if isinstance(refs, str):
        refs = [refs]
    merged: dict = {}
    for ref in refs:
        path = find_preset(ref, base, referrer)
        if path is None:
            names = sorted(builtin_presets()) + sorted(p.stem for p in base.glob("*.yaml"))
            near = min(names, key=lambda n: edit_distance(ref, n)) if names else None
            hint = f"; did you mean '{near}'?" if near and edit_distance(ref, near) <= 2 else ""
            findings.append(Finding("lint.unknown-preset", f"unknown preset '{ref}'{hint}"))
            continue
        if path in chain:
            findings.append(Finding("lint.unknown-preset", f"preset cycle through {path.name}"))
            continue
        loaded = load_yaml(path)
        merged = merge(merged, resolve(loaded.data or {}, path, findings, chain + (path,)))
    own = {k: v for k, v in doc.items() if k != "extends"}
    return merge(merged, own)


def scope_configs(qc):
    """Yields (where, ModuleQuantizerConfig-or-None, explicit) for every scope, defaults included."""
    if not isinstance(qc, dict):
        qc = {}
    if "global_config" in qc:
        yield "global_config", qc["global_config"]
    else:
        yield "global_config (default)", {}
    for level in ("module_type_configs", "module_name_configs"):
        for key, cfg in (qc.get(level) or {}).items():
            yield f"{level}[{key}]", cfg


def op_configs(mcfg):
    yield "", mcfg
    for level in ("op_type_config", "op_name_config"):
        for key, cfg in (mcfg.get(level) or {}).items():
            if cfg is not None:
                yield f".{level}[{key}]", cfg


DEFAULT_ACTIVATION = {"dtype": "int8"}


def tensor_specs(cfg, group):
    """Specs a group assigns, with coreai-opt's default when the field is omitted from an op/module config."""
    if group not in cfg:
        if group in ("op_input_spec", "op_output_spec"):
            return [("*", DEFAULT_ACTIVATION)]
        if group == "op_state_spec":
            return [("weight", {"dtype": "int8", "granularity": {"type": "per_channel"}})]
        return []
    value = cfg[group]
    if not value:
        return []
    return [(k, v) for k, v in value.items() if v is not None]


def schedule_value(point):
    """(unit, value) or None for never; unit is 'step' or 'epoch'."""
    if point is None:
        return None
    if isinstance(point, dict):
        return ("epoch", point.get("at_epoch"))
    return ("step", point)


def check_schedule(where: str, sched: dict, findings: list[Finding]):
    defaults = {"enable_observer": 0, "enable_fake_quant": 0, "disable_observer": None, "freeze_bn": None}
    values = {k: schedule_value(sched.get(k, defaults[k])) for k in defaults}
    for k, v in values.items():
        if v is not None and v[1] < 0:
            findings.append(Finding("lint.qat-schedule-order", f"{where}.{k} is negative ({v[1]})"))

    def before(a, b):  # is a strictly earlier than b? None when not comparable
        va, vb = values[a], values[b]
        if va is None or vb is None:
            return None if va is None and vb is None else (vb is None) if va is not None else False
        if va[0] == vb[0] or va[1] == 0 or vb[1] == 0:
            return va[1] < vb[1]
        return None

    if before("enable_fake_quant", "enable_observer"):
        findings.append(Finding("lint.qat-schedule-order", f"{where}: enable_fake_quant comes before enable_observer"))
    if before("disable_observer", "enable_fake_quant"):
        findings.append(Finding("lint.qat-schedule-order", f"{where}: disable_observer comes before enable_fake_quant"))


def check_spec(where: str, spec: dict, activation: bool, findings: list[Finding]):
    dtype = spec.get("dtype", "int8")
    if activation and dtype == "float8_e5m2":
        findings.append(Finding("lint.activation-float8-e5m2", f"{where}: float8_e5m2 activations have limited runtime support", "warning"))
    elif activation and dtype not in ACTIVATION_DTYPES:
        findings.append(Finding("lint.activation-dtype", f"{where}: activations cannot use {dtype}"))
    gran = spec.get("granularity") or {}
    if gran.get("type") == "per_block":
        bs = gran.get("block_size")
        if bs is None:
            findings.append(Finding("lint.block-size-missing", f"{where}: per_block granularity needs block_size"))
        elif bs <= 0:
            findings.append(Finding("lint.block-size-positive", f"{where}: block_size must be positive, found {bs}"))
    fr = spec.get("float_range")
    if fr:
        lo, hi = fr
        if lo is not None and lo > 0:
            findings.append(Finding("lint.float-range", f"{where}: float_range minimum {lo} excludes 0"))
        elif hi is not None and hi < 0:
            findings.append(Finding("lint.float-range", f"{where}: float_range maximum {hi} excludes 0"))
        elif lo is not None and hi is not None and lo >= hi:
            findings.append(Finding("lint.float-range", f"{where}: float_range minimum {lo} is not below maximum {hi}"))


def check_selectors(doc: dict, findings: list[Finding]):
    qc = doc.get("quantization_config") or {}
    selectors = list(doc.get("allow_unmatched") or [])
    for level in ("module_type_configs", "module_name_configs"):
        selectors += list((qc.get(level) or {}).keys())
    for _, mcfg in scope_configs(qc):
        if mcfg:
            for level in ("op_type_config", "op_name_config"):
                selectors += list((mcfg.get(level) or {}).keys())
    for s in selectors:
        try:
            re.compile(s)
        except re.error as e:
            findings.append(Finding("lint.selector-regex", f"selector '{s}' is not a valid regular expression: {e}"))


# Recast's built-in fusion patterns (Sources/RecastQuantization/Placement/FusionPattern.swift).
BUILTIN_PATTERNS = ["conv_bn_relu", "linear_bias_relu", "conv_bn", "conv_relu", "linear_relu", "matmul_relu",
                    "linear_bias", "add_relu", "mul_relu"]


def check_patterns(doc: dict, findings: list[Finding]):
    selection = (doc.get("quantization_config") or {}).get("fusion_patterns") or {}
    for key in ("enable", "disable"):
        for name in selection.get(key) or []:
            if name not in BUILTIN_PATTERNS:
                close = min(BUILTIN_PATTERNS, key=lambda known: edit_distance(name, known))
                findings.append(Finding("lint.unknown-pattern", f"unknown fusion pattern '{name}' (did you mean '{close}'?)"))


def lint(loaded: Loaded, is_recipe: bool) -> list[Finding]:
    findings: list[Finding] = []
    for key, mark, same_tag in loaded.collisions:
        if same_tag:
            findings.append(Finding("yaml.duplicate-key", f"{mark}: duplicate key '{key}'"))
        else:
            findings.append(Finding("lint.duplicate-selector", f"{mark}: key '{key}' appears twice (once quoted)"))
    doc = loaded.data or {}
    check_selectors(doc, findings)
    check_patterns(doc, findings)
    doc = resolve(doc, loaded.path, findings, (loaded.path.resolve(),))
    qc = doc.get("quantization_config")
    quantizes_activations = False
    if qc is None and "quantization_config" in doc:
        scopes = []
    else:
        scopes = list(scope_configs(qc))
    for where, mcfg in scopes:
        if mcfg is None:
            continue
        for sub, cfg in op_configs(mcfg):
            for group in SPEC_GROUPS:
                for key, spec in tensor_specs(cfg, group):
                    act = group in ACTIVATION_GROUPS
                    quantizes_activations |= act
                    check_spec(f"{where}{sub}.{group}[{key}]", spec, act, findings)
        if mcfg.get("qat_schedule"):
            check_schedule(f"{where}.qat_schedule", mcfg["qat_schedule"], findings)
    for name, spec in (doc.get("quantization_spec") or {}).items():
        check_spec(f"quantization_spec.{name}", spec, False, findings)

    stages = doc.get("stages") or []
    if is_recipe and stages:
        kinds = [next(iter(s)) for s in stages]
        data = doc.get("data") or {}
        prepared = finalized = False
        for i, (kind, stage) in enumerate(zip(kinds, stages)):
            body = stage[kind] or {}
            if kind == "prepare":
                if prepared:
                    findings.append(Finding("lint.stage-order", f"stages[{i}]: prepare appears twice"))
                prepared = True
            elif kind in ("calibrate", "evaluate", "train", "finalize") and not prepared:
                findings.append(Finding("lint.stage-order", f"stages[{i}]: {kind} before prepare"))
            if kind in ("calibrate", "train") and finalized:
                findings.append(Finding("lint.stage-order", f"stages[{i}]: {kind} after finalize"))
            if kind == "finalize":
                if finalized:
                    findings.append(Finding("lint.stage-order", f"stages[{i}]: finalize appears twice"))
                finalized = True
            if kind == "export" and not finalized:
                findings.append(Finding("lint.stage-order", f"stages[{i}]: export before finalize"))
            if kind == "train":
                if body.get("data", "train") not in data:
                    findings.append(Finding("lint.train-without-data", f"stages[{i}]: train needs data.{body.get('data', 'train')}"))
                if body.get("qat_schedule"):
                    check_schedule(f"stages[{i}].train.qat_schedule", body["qat_schedule"], findings)
            if kind in ("calibrate", "evaluate"):
                wanted = body.get("data", "calibration" if kind == "calibrate" else "validation")
                if wanted not in data:
                    findings.append(Finding("lint.missing-data", f"stages[{i}]: {kind} needs data.{wanted}"))
        if quantizes_activations and not ({"calibrate", "train"} & set(kinds)):
            findings.append(Finding("lint.no-calibration", "activations are quantized but no calibrate or train stage fits their ranges", "warning"))
    return findings


# ----------------------------------------------------------------------------------------------------------------------
# Driver


def doc_yaml_blocks(shared: Path | None):
    if shared is None:
        return []
    ref = shared / "reference" / "coreai-opt"
    blocks = []
    for name in ("quantization_config.md", "quantization_advanced.md"):
        path = ref / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"```yaml\n(.*?)```", text, re.S):
            line = text[: m.start()].count("\n") + 2
            blocks.append((f"{name}:{line}", m.group(1), path))
        # a YAML config quoted inside a Python docstring ("equivalent yaml config")
        for m in re.finditer(r'"""\n(# equivalent yaml config\n.*?)"""', text, re.S):
            line = text[: m.start()].count("\n") + 2
            blocks.append((f"{name}:{line} (docstring)", m.group(1), path))
    configs = shared / "conformance" / "coreai-opt-configs"
    for path in sorted(configs.glob("*.yaml")) if configs.is_dir() else []:
        blocks.append((str(path.relative_to(shared)), path.read_text(encoding="utf-8"), path))
    return blocks


def find_shared(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (candidate / "reference" / "coreai-opt").is_dir():
            return candidate
    return None


def expected_id(path: Path) -> str | None:
    for line in path.read_bytes().decode("utf-8", "replace").splitlines()[:5]:
        m = re.match(r"#\s*expect:\s*(\S+)", line)
        if m:
            return m.group(1)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", help="folder holding reference/coreai-opt (default: ../shared beside the repository)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    failures: list[str] = []
    counts: dict[str, int] = {}

    def fail(msg):
        failures.append(msg)
        print(f"FAIL {msg}")

    recipe_schema, preset_schema, registry = load_schemas()
    for name, schema in (("recipe", recipe_schema), ("preset", preset_schema)):
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as e:  # noqa: BLE001
            fail(f"{name}.schema.json is not a valid 2020-12 schema: {e}")
        for where in missing_descriptions(schema):
            fail(f"{name}.schema.json {where} has no description")
    counts["schemas"] = 2
    recipe_v = Draft202012Validator(recipe_schema, registry=registry)
    preset_v = Draft202012Validator(preset_schema, registry=registry)

    def must_pass(label: str, loaded: Loaded, as_recipe: bool, key: str):
        errors = schema_errors(recipe_v if as_recipe else preset_v, loaded.data)
        findings = lint(loaded, as_recipe) if not errors else []
        for h in loaded.hazards:
            fail(f"{label}: {h}")
        for e in errors:
            fail(f"{label}: {describe(e)}")
        for f in findings:
            fail(f"{label}: {f}")
        if not errors and not findings and not loaded.hazards:
            counts[key] = counts.get(key, 0) + 1
            if args.verbose:
                print(f"ok   {label}")

    shared = find_shared(args.shared)
    blocks = doc_yaml_blocks(shared)
    if shared is None:
        print("note: ../shared/reference/coreai-opt not found; skipping coreai-opt doc blocks (use --shared DIR)")
    for label, text, path in blocks:
        must_pass(label, load_yaml_text(text, path), False, "coreai-opt yaml blocks (as presets)")

    for path in sorted(PRESET_DIR.glob("*.yaml")):
        loaded = load_yaml(path)
        must_pass(str(path.relative_to(ROOT)), loaded, False, "recipes/*.yaml presets")
        for field in ("name", "version", "description"):
            if not (loaded.data or {}).get(field):
                fail(f"{path.relative_to(ROOT)}: built-in preset lacks {field}")
        if (loaded.data or {}).get("name") != path.stem:
            fail(f"{path.relative_to(ROOT)}: name should be '{path.stem}'")

    for path in sorted((ROOT / "Examples").rglob("*.yaml")):
        must_pass(str(path.relative_to(ROOT)), load_yaml(path), True, "Examples recipes")

    for path in sorted((TESTS / "Valid").glob("*.yaml")):
        loaded = load_yaml(path)
        as_recipe = isinstance(loaded.data, dict) and "recast" in loaded.data
        must_pass(str(path.relative_to(ROOT)), loaded, as_recipe, "Valid recipes/presets")

    readme = (TESTS / "Inputs" / "README.md").read_text(encoding="utf-8")
    for path in sorted((TESTS / "Inputs").iterdir()):
        if path.suffix != ".yaml":
            continue
        label = str(path.relative_to(ROOT))
        if f"`{path.name}`" not in readme:
            fail(f"{label}: not listed in Inputs/README.md")
        kind = path.name.split("-")[0]
        if kind == "yaml":
            counts["bad inputs: yaml-* (skipped here)"] = counts.get("bad inputs: yaml-* (skipped here)", 0) + 1
            continue
        want = expected_id(path)
        if want is None:
            fail(f"{label}: no '# expect: ID' comment")
            continue
        loaded = load_yaml(path)
        if loaded.hazards:
            fail(f"{label}: {loaded.hazards}")
        errors = schema_errors(recipe_v, loaded.data)
        if kind == "schema":
            got = [f"schema.{e.validator}" for e in errors]
            if got != [want]:
                fail(f"{label}: expected exactly [{want}], schema reported {got or 'nothing'}: "
                     + "; ".join(describe(e) for e in errors))
            else:
                counts["bad inputs: schema-* fail as intended"] = counts.get("bad inputs: schema-* fail as intended", 0) + 1
                if args.verbose:
                    print(f"ok   {label}: {describe(errors[0])}")
        elif kind == "lint":
            if errors:
                fail(f"{label}: must pass the schema but: " + "; ".join(describe(e) for e in errors))
                continue
            findings = lint(loaded, True)
            got = sorted({f.rule for f in findings})
            if got != [want]:
                fail(f"{label}: expected exactly [{want}], lint found {findings or 'nothing'}")
            else:
                counts["bad inputs: lint-* pass schema, hit their rule"] = counts.get("bad inputs: lint-* pass schema, hit their rule", 0) + 1
                if args.verbose:
                    print(f"ok   {label}: {findings}")
        else:
            fail(f"{label}: name must start with yaml-, schema- or lint-")

    width = max(len(k) for k in counts)
    for key, n in counts.items():
        print(f"{key:<{width}}  {n}")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
