#ifndef RECAST_CYAML_SHIM_H
#define RECAST_CYAML_SHIM_H
#include <yaml.h>
#endif
