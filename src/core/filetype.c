#include "core/filetype.h"

#include <stdint.h>
#include <string.h>

#define PDF_WINDOW 1024 /* the header may start anywhere before this offset */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int is_jpeg(const unsigned char *d, size_t len)
{
    /* the byte after SOI's FF is the next segment's marker code: a lone
     * "FF D8 FF" is not yet an image */
    return len >= 4 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF && d[3] >= 0xC0 && d[3] != 0xFF;
}

/* png_depth_ok: the bit depths the PNG spec allows for each colour type. */
static int png_depth_ok(unsigned color, unsigned depth)
{
    switch (color) {
    case 0:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
        return depth == 8 || depth == 16;
    default:
        return 0;
    }
}

static int is_png(const unsigned char *d, size_t len)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    /* signature, then IHDR: length, type, 13 data bytes, CRC */
    if (len < 8 + 4 + 4 + 13 + 4 || memcmp(d, sig, 8) != 0) return 0;
    if (be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0) return 0;
    uint32_t w = be32(d + 16), h = be32(d + 20);
    if (w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) return 0;
    /* depth, colour type, compression 0, filter 0, interlace 0 or 1 */
    return png_depth_ok(d[25], d[24]) && d[26] == 0 && d[27] == 0 && d[28] <= 1;
}

/* webp_chunk_ok: the first chunk (fourCC at offset 12, size at 16, data at
 * 20) is an image chunk whose own header is present and plausible. */
static int webp_chunk_ok(const unsigned char *d, size_t len, uint32_t csize)
{
    if (memcmp(d + 12, "VP8 ", 4) == 0) /* frame tag (3), start code (3), sizes (4) */
        return csize >= 10 && len >= 30 && (d[20] & 1) == 0 && d[23] == 0x9D && d[24] == 0x01 &&
               d[25] == 0x2A;
    if (memcmp(d + 12, "VP8L", 4) == 0) /* signature, then 32 bits whose top 3 (version) are 0 */
        return csize >= 5 && len >= 25 && d[20] == 0x2F && (d[24] >> 5) == 0;
    if (memcmp(d + 12, "VP8X", 4) == 0) /* flags (4), canvas size (6): always 10 bytes */
        return csize == 10 && len >= 30;
    return 0;
}

static int is_webp(const unsigned char *d, size_t len)
{
    if (len < 20 || memcmp(d, "RIFF", 4) != 0 || memcmp(d + 8, "WEBP", 4) != 0) return 0;
    uint64_t riff = le32(d + 4), csize = le32(d + 16);
    /* riff counts "WEBP" and every chunk; 64-bit sums cannot overflow here.
     * riff + 8 <= len + 1: at most one (padding) byte missing, see the header */
    if (riff < 12 || riff + 7 > (uint64_t)len) return 0;
    if (4 + 8 + csize > riff) return 0; /* the first chunk lies inside the RIFF data */
    return webp_chunk_ok(d, len, (uint32_t)csize);
}

static int is_pdf(const unsigned char *d, size_t len)
{
    /* "%PDF-M.m" is 8 bytes; the loop bound keeps every read below LEN */
    for (size_t i = 0; i < PDF_WINDOW && len >= 8 && i <= len - 8; i++) {
        const unsigned char *p = d + i;
        if (memcmp(p, "%PDF-", 5) == 0 && (p[5] == '1' || p[5] == '2') && p[6] == '.' &&
            p[7] >= '0' && p[7] <= '9')
            return 1;
    }
    return 0;
}

const char *kf_filetype_sniff(const unsigned char *data, size_t len)
{
    if (!data || len == 0) return NULL;
    if (is_jpeg(data, len)) return "image/jpeg";
    if (is_png(data, len)) return "image/png";
    if (is_webp(data, len)) return "image/webp";
    if (is_pdf(data, len)) return "application/pdf";
    return NULL;
}

static const struct {
    const char *mime, *ext;
} types[] = {
    {"image/jpeg", "jpg"},
    {"image/png", "png"},
    {"image/webp", "webp"},
    {"application/pdf", "pdf"},
};

const char *kf_filetype_ext(const char *mime)
{
    if (!mime) return NULL;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(mime, types[i].mime) == 0) return types[i].ext;
    return NULL;
}

int kf_filetype_allowed(const char *mime)
{
    return kf_filetype_ext(mime) != NULL;
}
