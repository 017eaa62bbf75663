#ifndef RECAST_COPENBLAS_SHIM_H
#define RECAST_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
