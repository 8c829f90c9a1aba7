#ifndef VIROSCOPE_CTIFF_SHIM_H
#define VIROSCOPE_CTIFF_SHIM_H
#include <tiffio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

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
static inline int viroscope_tiff_get_defaulted_uint32(TIFF *tif, uint32_t tag, uint32_t *value) {
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
// ExtraSamples is a counted array: (count, uint16 *types).
static inline int viroscope_tiff_set_extrasamples(TIFF *tif, uint16_t count, const uint16_t *types) {
    return TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, (int)count, types);
}

// Per-handle message capture. libtiff's default handlers print to stderr; a library must not, and the reader
// wants the last error text to put into the error it throws. The handlers receive a va_list, which Swift cannot
// format, so they live here and write into a caller-owned struct (no globals, so it is thread-safe per handle).
typedef struct {
    char error[1024];
    char warnings[2048];
    int error_count;
    int warning_count;
} viroscope_tiff_messages;

static inline int viroscope_tiff_capture_error(TIFF *tif, void *user, const char *module, const char *fmt,
                                               va_list ap) {
    (void)tif;
    viroscope_tiff_messages *m = (viroscope_tiff_messages *)user;
    if (m == NULL) return 1;
    char text[900];
    vsnprintf(text, sizeof text, fmt, ap);
    snprintf(m->error, sizeof m->error, "%s%s%s", module ? module : "", module ? ": " : "", text);
    m->error_count += 1;
    return 1;  // handled: do not fall through to the global (stderr) handlers
}

static inline int viroscope_tiff_capture_warning(TIFF *tif, void *user, const char *module, const char *fmt,
                                                 va_list ap) {
    (void)tif;
    viroscope_tiff_messages *m = (viroscope_tiff_messages *)user;
    if (m == NULL) return 1;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t used = strlen(m->warnings);
    if (used + 4 < sizeof m->warnings) {
        snprintf(m->warnings + used, sizeof m->warnings - used, "%s%s%s%s", used ? "; " : "",
                 module ? module : "", module ? ": " : "", text);
    }
    m->warning_count += 1;
    return 1;
}

static inline void viroscope_tiff_messages_reset(viroscope_tiff_messages *m) {
    memset(m, 0, sizeof *m);
}
static inline const char *viroscope_tiff_messages_error(const viroscope_tiff_messages *m) { return m->error; }
static inline const char *viroscope_tiff_messages_warnings(const viroscope_tiff_messages *m) { return m->warnings; }

// Opens a TIFF with handlers that capture into `messages` (which must outlive the handle).
static inline TIFF *viroscope_tiff_open(const char *path, const char *mode, viroscope_tiff_messages *messages) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, viroscope_tiff_capture_error, messages);
    TIFFOpenOptionsSetWarningHandlerExtR(options, viroscope_tiff_capture_warning, messages);
    TIFF *tif = TIFFOpenExt(path, mode, options);
    TIFFOpenOptionsFree(options);
    return tif;
}

// The same for a descriptor the caller opened (safely: regular file, contained path). libtiff owns `fd` once
// this succeeds (TIFFClose closes it); on failure the caller still owns it. `max_single_alloc` caps any one
// allocation libtiff makes for this file, so a crafted header cannot make it allocate gigabytes.
static inline TIFF *viroscope_tiff_fdopen(int fd, const char *name, const char *mode, viroscope_tiff_messages *messages,
                                          long long max_single_alloc) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, viroscope_tiff_capture_error, messages);
    TIFFOpenOptionsSetWarningHandlerExtR(options, viroscope_tiff_capture_warning, messages);
    if (max_single_alloc > 0) TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)max_single_alloc);
    TIFF *tif = TIFFFdOpenExt(fd, name, mode, options);
    TIFFOpenOptionsFree(options);
    return tif;
}

// Messages libtiff emits without a handle (rare) would otherwise reach stderr: drop them.
static inline void viroscope_tiff_silence_global_handlers(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}
#endif
