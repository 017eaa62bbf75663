// The graph IR, ONNX serde and executor land here.
