/// Documentation for the diagnostic ids that are not lint rules (YAML, schema, I/O).
enum DiagnosticCatalog {
  static let entries: [String: String] = [
    "io.read": "a file named on the command line could not be read (missing, a directory, or no permission).",
    "yaml.syntax": """
      the file is not valid YAML. The message is libyaml's; the location is where the parser gave up,
      and a note shows where the construct it was reading started (an unterminated quote, say).
      """,
    "yaml.duplicate-key": "a mapping has the same key twice; YAML forbids it, and the later value would hide the earlier.",
    "yaml.unknown-alias": "an alias (*name) refers to an anchor (&name) that is not defined before it.",
    "yaml.multiple-documents": "a recipe is one YAML document; remove the second '---' and what follows, or split the file.",
    "yaml.merge": "a '<<' merge key must refer to a mapping or a list of mappings.",
    "yaml.tag": "a scalar carries an explicit tag (!!int, !!float, !!bool, !!null) its text does not satisfy.",
    "yaml.encoding": "the file is not valid UTF-8; the message gives the byte offset of the first bad sequence.",
    "yaml.binary": "the file holds NUL bytes: it looks binary, not like a YAML text file.",
    "yaml.empty": "the file holds no YAML document (it is empty or has only comments).",
    "yaml.depth-limit": "collections are nested deeper than Recast accepts (256 levels); real recipes need far fewer.",
    "yaml.alias-limit": "expanding aliases would create more nodes than Recast accepts: an alias bomb, or a runaway document.",
    "yaml.too-large": "the file is larger than Recast reads as a recipe (64 MiB).",
    "json.syntax": "the file is not valid JSON.",
    "config.unmatched-selector": """
      (lint --model, run) a selector of module_name_configs, module_type_configs, op_name_config or
      op_type_config matches nothing in the model, so the rule silently does nothing. Selectors are
      full-match regular expressions. List the selector under the recipe's top-level `allow_unmatched:`
      to accept it (for a recipe shared across models); it is then a warning.
      """,
    "config.shadowed-rule": "(lint --model) every module an entry matches is decided by a later or more specific entry: the entry has no effect.",
    "config.no-quantizable-ops": "(lint --model) an entry selects only modules that contain no quantizable op.",
    "config.quantizes-nothing": "(lint --model) with this config nothing in the model would be quantized.",
    "config.block-size": "(lint --model) a per_block block_size does not divide the size of the weight axis it splits; the message names both numbers.",
    "config.axis-out-of-range": "(lint --model) a per_channel or per_block axis is outside the weight's rank.",
    "config.missing-axis": "(lint --model) a per-channel spec on an activation needs an explicit axis.",
    "config.invalid-selector": "(lint --model) a selector is not a valid regular expression.",
    "lint.unknown-spec": "a spec is given by name, but quantization_spec has no entry of that name.",
    "preset.cycle": "presets extend each other in a cycle; the message lists the chain.",
    "schema.additionalProperties": "a key the schema does not define: usually a typo (see the did-you-mean) or a key at the wrong level.",
    "schema.enum": "the value is not one of the allowed values listed in the message.",
    "schema.type": "the value has the wrong type (for example a string where a number is expected).",
    "schema.required": "a required key is missing.",
    "schema.const": "the value must be exactly the one given in the message (for example `recast: 1`).",
    "schema.oneOf": "the value must match exactly one of several shapes; the message names the closest one and what differs.",
    "schema.anyOf": "the value must match at least one of several shapes; the message names the closest one and what differs.",
    "schema.pattern": "the string does not match the pattern the schema requires.",
    "schema.minimum": "the number is below the allowed minimum.",
    "schema.maximum": "the number is above the allowed maximum.",
    "schema.minItems": "the list has fewer items than required.",
    "schema.maxItems": "the list has more items than allowed.",
    "schema.minProperties": "the mapping has fewer keys than required (for example a stage with no name).",
    "schema.maxProperties": "the mapping has more keys than allowed (for example a stage with two names).",
  ]
}
