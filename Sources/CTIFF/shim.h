#ifndef VIROSCOPE_CTIFF_SHIM_H
#define VIROSCOPE_CTIFF_SHIM_H
#include <tiffio.h>
#include <stdint.h>

// TIFFGetField and TIFFSetField are variadic, which Swift cannot call: typed wrappers per tag kind.
static inline int viroscope_tiff_get_uint16(TIFF *tif, uint32_t tag, uint16_t *value) {
    return TIFFGetField(tif, tag, value);
}
static inline int viroscope_tiff_get_uint32(TIFF *tif, uint32_t tag, uint32_t *value) {
    return TIFFGetField(tif, tag, value);
}
static inline int viroscope_tiff_get_defaulted_uint16(TIFF *tif, uint32_t tag, uint16_t *value) {
    return TIFFGetFieldDefaulted(tif, tag, value);
}
static inline int viroscope_tiff_set_uint16(TIFF *tif, uint32_t tag, uint16_t value) {
    return TIFFSetField(tif, tag, (int)value);
}
static inline int viroscope_tiff_set_uint32(TIFF *tif, uint32_t tag, uint32_t value) {
    return TIFFSetField(tif, tag, value);
}
static inline int viroscope_tiff_set_string(TIFF *tif, uint32_t tag, const char *value) {
    return TIFFSetField(tif, tag, value);
}
#endif
