// libpng's simplified read API (png_image_*), used by the image plugin (Plugins/Image).
// It reports errors through png_image.message instead of longjmp, so Swift can call it safely.
#include <png.h>
