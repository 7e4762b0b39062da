// Shim over Debian's libzstd (libzstd-dev, >= 1.5).
// ZSTD_STATIC_LINKING_ONLY is not defined: only the stable API is used.
#ifndef BALE_CZSTD_SHIM_H
#define BALE_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
