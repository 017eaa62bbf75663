// Quantization numbers, observers, config resolution and placement land here.
