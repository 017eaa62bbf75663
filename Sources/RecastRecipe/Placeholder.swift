// The recipe model, loader and lint rules land here.
