/* The table writer's front: argument checks, the column cursor, typing of
 * cells by their column, UTF-8 repair, temporary files. The backends
 * (xlsx_out.c, csv_out.c) write what they are handed. */
#include "report/table_out.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/utf8.h"
#include "core/mem.h"
#include "report/table_out_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The times a KF_COL_TIME cell may hold: 0001-01-01 to 9999-12-31 (UTC, with a
 * day's margin for the zone); anything else is written as an empty cell. */
#define TIME_MIN_MS (-62135596800000LL + 86400000LL)
#define TIME_MAX_MS (253402300799999LL - 86400000LL)

#define MAX_COLS 16384 /* Excel's column limit, applied to both formats */

enum { XLSX_MAX_ROWS = 1048576 };

static const kf_table_backend *backend(kf_table_format fmt)
{
    switch (fmt) {
    case KF_TABLE_XLSX:
        return &kf_table_xlsx_backend;
    case KF_TABLE_CSV:
        return &kf_table_csv_backend;
    }
    return NULL;
}

const char *kf_table_content_type(kf_table_format fmt)
{
    return fmt == KF_TABLE_XLSX
               ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
               : "text/csv; charset=utf-8";
}

/* ---- UTF-8 ---- */

size_t kf_table_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* East Asian wide and fullwidth characters (the blocks that occur in Chinese
 * text), which take about two columns. */
static int is_wide(int32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFD);
}

double kf_table_text_width(const char *s)
{
    double w = 0;
    size_t len = strlen(s);
    while (len) {
        int32_t cp;
        size_t n = kf_utf8_next(s, len, &cp);
        w += is_wide(cp) ? 2.0 : 1.0;
        s += n;
        len -= n;
    }
    return w;
}

/* valid_prefix: the length of the longest valid UTF-8 prefix of S. */
static size_t valid_prefix(const char *s, size_t len)
{
    size_t i = 0;
    int32_t cp;
    while (i < len) {
        size_t n = kf_utf8_next(s + i, len - i, &cp);
        if (cp < 0) break;
        i += n;
    }
    return i;
}

/* repair: S appended to B with U+FFFD for each byte that is not UTF-8. */
static void repair(kf_buf *b, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        size_t n = kf_utf8_next(s + i, len - i, &cp);
        kf_buf_append(b, cp < 0 ? "\xEF\xBF\xBD" : s + i, cp < 0 ? 3 : n);
        i += n;
    }
}

/* utf8_dup: a copy of S (malloc'd) with invalid bytes repaired. */
static char *utf8_dup(const char *s)
{
    kf_buf b;
    kf_buf_init(&b, 0);
    repair(&b, s, strlen(s));
    return kf_buf_steal(&b);
}

/* ---- time ---- */

void kf_table_local_time(const kf_tz *tz, int64_t ms, int64_t *days, int32_t *secs)
{
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); /* floor */
    if (tz) s += kf_tz_offset(tz, s);
    int64_t d = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    *days = d;
    *secs = (int32_t)(s - d * 86400);
}

/* ---- the writer ---- */

static int fail(kf_table_out *o, int rc)
{
    if (!o->err) o->err = rc;
    return o->err;
}

static void free_sheet(kf_table_out *o)
{
    free(o->sheet_name);
    free(o->title_line);
    free(o->cols);
    free(o->title_store);
    o->sheet_name = o->title_line = o->title_store = NULL;
    o->cols = NULL;
    o->ncols = 0;
}

static void free_writer(kf_table_out *o)
{
    free_sheet(o);
    if (o->temp_fd >= 0) close(o->temp_fd);
    if (o->temp_path && !o->temp_unlinked) unlink(o->temp_path);
    free(o->temp_path);
    kf_tz_free(o->tz);
    kf_buf_free(&o->scratch);
    free(o);
}

static int writer_new(kf_table_format fmt, const char *tz, kf_table_out **out)
{
    *out = NULL;
    const kf_table_backend *ops = backend(fmt);
    if (!ops) return KF_EINVAL;
    kf_table_out *o = kf_calloc(1, sizeof(*o));
    o->fmt = fmt;
    o->be_ops = ops;
    o->temp_fd = -1;
    o->limit = XLSX_MAX_ROWS;
    kf_buf_init(&o->scratch, 0);
    if (tz) {
        int rc = kf_tz_load(NULL, tz, &o->tz);
        if (rc != KF_OK) {
            o->tz = NULL;
            free_writer(o);
            return rc;
        }
    }
    *out = o;
    return KF_OK;
}

int kf_table_open(kf_table_format fmt, const char *path, const char *tz, kf_table_out **out)
{
    if (!path || !*path) {
        *out = NULL;
        return KF_EINVAL;
    }
    int rc = writer_new(fmt, tz, out);
    if (rc != KF_OK) return rc;
    kf_table_out *o = *out;
    rc = o->be_ops->open(o, path, -1);
    if (rc != KF_OK) {
        o->be_ops->finish(o, rc);
        free_writer(o);
        *out = NULL;
    }
    return rc;
}

int kf_table_open_temp(kf_table_format fmt, const char *dir, const char *tz, kf_table_out **out)
{
    if (!dir || !*dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    int rc = writer_new(fmt, tz, out);
    if (rc != KF_OK) return rc;
    kf_table_out *o = *out;
    kf_buf path;
    kf_buf_init(&path, 0);
    kf_buf_printf(&path, "%s/kefu-export-XXXXXX", dir);
    o->temp_path = kf_buf_steal(&path);
    o->temp_fd = mkstemp(o->temp_path); /* O_EXCL, 0600 */
    if (o->temp_fd >= 0) fcntl(o->temp_fd, F_SETFD, FD_CLOEXEC);
    if (o->temp_fd < 0) {
        o->temp_unlinked = 1; /* nothing was created */
        rc = KF_EIO;
    } else {
        /* CSV is written through the descriptor, so the name can go at once;
         * libxlsxwriter writes the workbook by name when it is closed */
        if (fmt == KF_TABLE_CSV) o->temp_unlinked = unlink(o->temp_path) == 0;
        rc = o->be_ops->open(o, o->temp_path, o->temp_fd);
    }
    if (rc != KF_OK) {
        o->be_ops->finish(o, rc);
        free_writer(o);
        *out = NULL;
    }
    return rc;
}

void kf_table_set_row_limit(kf_table_out *o, uint32_t rows)
{
    o->limit = rows > XLSX_MAX_ROWS ? XLSX_MAX_ROWS : rows < 3 ? 3 : rows;
}

static int row_end(kf_table_out *o)
{
    while (o->col < o->ncols) {
        int rc = o->be_ops->empty(o);
        if (rc != KF_OK) return fail(o, rc);
        o->col++;
    }
    int rc = o->be_ops->row_end(o);
    o->col = 0;
    o->in_row = 0;
    return rc != KF_OK ? fail(o, rc) : KF_OK;
}

int kf_table_sheet(kf_table_out *o, const char *name, const char *title_line,
                   const kf_table_col *cols, size_t ncols)
{
    if (o->err) return o->err;
    if (!name || !cols || ncols == 0 || ncols > MAX_COLS) return fail(o, KF_EINVAL);
    for (size_t i = 0; i < ncols; i++)
        if (cols[i].kind < KF_COL_TEXT || cols[i].kind > KF_COL_TIME || cols[i].width < 0 ||
            !isfinite(cols[i].width))
            return fail(o, KF_EINVAL);
    if (o->in_row && row_end(o) != KF_OK) return o->err;
    free_sheet(o);
    o->sheet_name = utf8_dup(name);
    o->title_line = title_line ? utf8_dup(title_line) : NULL;
    /* the titles, repaired, one after another in one allocation */
    kf_buf store;
    kf_buf_init(&store, 0);
    size_t *offs = kf_malloc(ncols * sizeof(*offs));
    for (size_t i = 0; i < ncols; i++) {
        offs[i] = store.len;
        const char *t = cols[i].title ? cols[i].title : "";
        repair(&store, t, strlen(t));
        kf_buf_append(&store, "", 1);
    }
    o->title_store = kf_buf_steal(&store);
    o->cols = kf_calloc(ncols, sizeof(*o->cols));
    for (size_t i = 0; i < ncols; i++) {
        o->cols[i] = cols[i];
        o->cols[i].title = o->title_store + offs[i];
    }
    free(offs);
    o->ncols = ncols;
    o->col = 0;
    int rc = o->be_ops->sheet(o);
    if (rc != KF_OK) return fail(o, rc);
    o->has_sheet = 1;
    return KF_OK;
}

/* cell_ok: whether a cell may be written now. */
static int cell_ok(kf_table_out *o)
{
    if (o->err) return o->err;
    if (!o->has_sheet || o->col >= o->ncols) return fail(o, KF_EINVAL);
    return KF_OK;
}

static int cell_done(kf_table_out *o, int rc)
{
    if (rc != KF_OK) return fail(o, rc);
    o->col++;
    o->in_row = 1;
    return KF_OK;
}

int kf_table_empty(kf_table_out *o)
{
    int rc = cell_ok(o);
    return rc != KF_OK ? rc : cell_done(o, o->be_ops->empty(o));
}

int kf_table_text(kf_table_out *o, const char *s)
{
    int rc = cell_ok(o);
    if (rc != KF_OK) return rc;
    if (!s) return cell_done(o, o->be_ops->empty(o));
    size_t len = strlen(s);
    if (valid_prefix(s, len) < len) {
        kf_buf_reset(&o->scratch);
        repair(&o->scratch, s, len);
        s = o->scratch.data;
        len = o->scratch.len;
    }
    return cell_done(o, o->be_ops->text(o, s, len));
}

int kf_table_int(kf_table_out *o, int64_t v)
{
    int rc = cell_ok(o);
    if (rc != KF_OK) return rc;
    switch (o->cols[o->col].kind) {
    case KF_COL_TEXT:
        return fail(o, KF_EINVAL);
    case KF_COL_RATIO:
    case KF_COL_DECIMAL:
        return cell_done(o, o->be_ops->real(o, (double)v));
    case KF_COL_TIME:
        if (v < TIME_MIN_MS || v > TIME_MAX_MS) return cell_done(o, o->be_ops->empty(o));
        break;
    default:
        break;
    }
    return cell_done(o, o->be_ops->integer(o, v));
}

int kf_table_real(kf_table_out *o, double v)
{
    int rc = cell_ok(o);
    if (rc != KF_OK) return rc;
    kf_col_kind kind = o->cols[o->col].kind;
    if (kind != KF_COL_RATIO && kind != KF_COL_DECIMAL) return fail(o, KF_EINVAL);
    return cell_done(o, isfinite(v) ? o->be_ops->real(o, v) : o->be_ops->empty(o));
}

int kf_table_row_end(kf_table_out *o)
{
    if (o->err) return o->err;
    if (!o->has_sheet) return fail(o, KF_EINVAL);
    return row_end(o);
}

/* finish: the file written out (or abandoned after an error); the first error. */
static int finish(kf_table_out *o)
{
    if (!o->err && o->in_row) row_end(o);
    int rc = o->be_ops->finish(o, o->err);
    o->be = NULL;
    fail(o, rc);
    if (o->temp_path && !o->temp_unlinked) o->temp_unlinked = unlink(o->temp_path) == 0;
    return o->err;
}

int kf_table_close(kf_table_out *o)
{
    if (!o) return KF_OK;
    int rc = finish(o);
    free_writer(o);
    return rc;
}

int kf_table_close_fd(kf_table_out *o, int *fd, uint64_t *size)
{
    *fd = -1;
    *size = 0;
    if (!o) return KF_EINVAL;
    if (o->temp_fd < 0) {
        int rc = kf_table_close(o);
        return rc != KF_OK ? rc : KF_EINVAL;
    }
    int rc = finish(o);
    struct stat st;
    if (rc == KF_OK && (fstat(o->temp_fd, &st) != 0 || lseek(o->temp_fd, 0, SEEK_SET) != 0))
        rc = KF_EIO;
    if (rc == KF_OK) {
        *fd = o->temp_fd;
        *size = (uint64_t)st.st_size;
        o->temp_fd = -1;
    }
    free_writer(o);
    return rc;
}
