#ifndef VIROSCOPE_COPENBLAS_SHIM_H
#define VIROSCOPE_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
