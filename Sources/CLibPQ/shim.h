#ifndef VIROSCOPE_CLIBPQ_SHIM_H
#define VIROSCOPE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
