// Tensors and kernels land here.
