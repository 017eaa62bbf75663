"""Writes a large, valid recipe (about LINES lines) for the lint benchmark: many named specs and
per-module overrides, the shape a big LLM recipe takes."""
import sys

lines_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
out = [
    "recast: 1",
    "name: lint-benchmark",
    "description: a large recipe with many per-layer overrides",
    "model: {path: model.onnx}",
    "quantization_spec:",
    "  act8: &act8 {dtype: int8, qscheme: symmetric, granularity: {type: per_tensor}}",
    "  w8: &w8 {dtype: int8, qscheme: symmetric, granularity: {type: per_channel}}",
    "  w4: &w4",
    "    dtype: int4",
    "    qscheme: symmetric",
    "    granularity: {type: per_block, block_size: 32}",
    "quantization_config:",
    "  execution_mode: graph",
    "  global_config:",
    '    op_input_spec: {"*": *act8}',
    '    op_output_spec: {"*": *act8}',
    "    op_state_spec: {weight: *w8}",
    "  module_name_configs:",
]
layer = 0
while len(out) < lines_wanted - 12:
    out += [
        f'    "model\\\\.layers\\\\.{layer}\\\\.mlp\\\\..*":',
        "      op_state_spec:",
        "        weight:",
        "          dtype: int4",
        "          qscheme: symmetric",
        f"          granularity: {{type: per_block, block_size: {32 if layer % 2 else 64}}}",
        "      op_type_config:",
        "        Softmax: null",
        f'    "model\\\\.layers\\\\.{layer}\\\\.self_attn\\\\.(q|k|v)_proj": {{op_state_spec: {{weight: *w4}}}}',
    ]
    layer += 1
out += [
    "data:",
    "  calibration: {inputs: calib.npy, samples: 128, batch_size: 32}",
    "stages:",
    "  - prepare: {example_inputs: calibration}",
    "  - calibrate: {}",
    "  - finalize: {backend: onnx}",
    "  - export: {path: out/model.qdq.onnx}",
]
print("\n".join(out))
