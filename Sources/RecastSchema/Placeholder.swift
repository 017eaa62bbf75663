// The JSON Schema validator lands here.
