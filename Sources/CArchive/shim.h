// Shim over Debian's libarchive (libarchive-dev, >= 3.6).
// Only BaleBundle's `+C` files import this module; nothing of it is public API.
#ifndef BALE_CARCHIVE_SHIM_H
#define BALE_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
