/* The XLSX backend of the table writer, on libxlsxwriter in constant-memory
 * mode: a worksheet's rows go to a temporary file (in $TMPDIR or /tmp) as
 * soon as the next row starts, and are zipped into the workbook when it is
 * closed, so memory stays flat however many rows there are.
 *
 * libxlsxwriter does not report errors writing those temporary files (a full
 * $TMPDIR would give a workbook with a cut-off sheet), so finish checks each
 * one with ferror before it builds the workbook. Its own messages (e.g. a zip
 * error at close) go to stderr; the caller sees KF_EIO. */
#include "core/err.h"
#include "core/utf8.h"
#include "core/mem.h"
#include "report/table_out_int.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define STR_MAX    32767 /* libxlsxwriter's (and about Excel's) limit for one cell, in bytes */
#define NAME_MAX16 31    /* Excel's limit for a sheet name, in UTF-16 units */
/* 1970-01-01 as an Excel serial day (the 1900 date system, its leap-year bug included) */
#define EXCEL_EPOCH_DAYS 25569
#define EXCEL_MIN_DAYS   (-25508) /* 1900-03-01 (day 61): earlier days are shown wrong */
#define EXCEL_MAX_DAYS   2932896  /* 9999-12-31 */
#define HEADER_FILL      0xDDEBF7 /* light blue, as Excel's own table styles */
#define MAX_WIDTH        100.0
#define TITLE_FONT_SIZE  13

typedef struct {
    lxw_workbook *wb;
    lxw_worksheet *ws;       /* the current sheet */
    lxw_format *kind_fmt[6]; /* by kf_col_kind; NULL for text */
    lxw_format *header_fmt;  /* bold, filled, underlined */
    lxw_format *title_fmt;   /* bold, larger */
    uint32_t row;            /* the current row of ws */
    uint32_t header_row;     /* where the header is on ws */
    size_t ncols;            /* of ws (o->ncols may already be the next sheet's) */
    int part;                /* 1 for a sheet, 2, 3, … for its continuations */
    lxw_worksheet **sheets;  /* all of them, to check their temporary files */
    char (*names)[LXW_MAX_SHEETNAME_LENGTH];
    size_t nsheets;
    char *doc_title; /* the workbook's title property: the first sheet's title line or name */
    char *tmpdir;
    kf_buf cell; /* a cut text cell */
} xlsx_state;

static int lxw_rc(lxw_error e)
{
    return e == LXW_NO_ERROR ? KF_OK : KF_EIO;
}

static int xlsx_open(kf_table_out *o, const char *path, int fd)
{
    if (fd < 0) { /* created here, so a bad path fails now rather than at close, and 0600 */
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || close(fd) != 0) return KF_EIO;
    }
    xlsx_state *x = kf_calloc(1, sizeof(*x));
    o->be = x;
    const char *tmp = getenv("TMPDIR");
    x->tmpdir = kf_strdup(tmp && *tmp ? tmp : "/tmp");
    kf_buf_init(&x->cell, 0);
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = x->tmpdir};
    x->wb = workbook_new_opt(path, &opt);
    if (!x->wb) return KF_EIO;
    static const char *const num_fmt[6] = {
        [KF_COL_INT] = "#,##0",       [KF_COL_FEN] = "#,##0.00",          [KF_COL_RATIO] = "0.0%",
        [KF_COL_DECIMAL] = "#,##0.0", [KF_COL_TIME] = "yyyy-mm-dd hh:mm",
    };
    for (int k = 0; k < 6; k++)
        if (num_fmt[k]) {
            x->kind_fmt[k] = workbook_add_format(x->wb);
            format_set_num_format(x->kind_fmt[k], num_fmt[k]);
        }
    x->header_fmt = workbook_add_format(x->wb);
    format_set_bold(x->header_fmt);
    format_set_pattern(x->header_fmt, LXW_PATTERN_SOLID);
    format_set_bg_color(x->header_fmt, HEADER_FILL);
    format_set_bottom(x->header_fmt, LXW_BORDER_THIN);
    format_set_align(x->header_fmt, LXW_ALIGN_VERTICAL_CENTER);
    x->title_fmt = workbook_add_format(x->wb);
    format_set_bold(x->title_fmt);
    format_set_font_size(x->title_fmt, TITLE_FONT_SIZE);
    return KF_OK;
}

/* compose: the sheet name for NAME with the suffix " (K)" when K > 1, made
 * valid for Excel: []:*?/\ and control characters as '_', no apostrophe at
 * either end, at most 31 UTF-16 units with the suffix, never empty and never
 * the reserved "History". OUT holds LXW_MAX_SHEETNAME_LENGTH bytes. */
static void compose(const char *name, int k, char *out)
{
    char suffix[16] = "";
    if (k > 1) snprintf(suffix, sizeof(suffix), " (%d)", k);
    size_t limit = NAME_MAX16 - strlen(suffix), units = 0, n = 0, len = strlen(name);
    while (len) {
        int32_t cp;
        size_t step = kf_utf8_next(name, len, &cp);
        size_t u = cp >= 0x10000 ? 2 : 1;
        if (units + u > limit) break;
        if (cp == '\'' && n == 0) { /* a leading apostrophe */
        } else if (cp < 0x20 || cp == 0x7F || (cp < 0x80 && strchr("[]:*?/\\", (int)cp))) {
            out[n++] = '_';
            units++;
        } else {
            memcpy(out + n, name, step);
            n += step;
            units += u;
        }
        name += step;
        len -= step;
    }
    while (n && out[n - 1] == '\'')
        n--;
    out[n] = '\0';
    if (!n) snprintf(out, LXW_MAX_SHEETNAME_LENGTH, "Sheet");
    if (strcasecmp(out, "History") == 0) strcat(out, "_");
    memcpy(out + strlen(out), suffix, strlen(suffix) + 1);
}

static int name_taken(const xlsx_state *x, const char *name)
{
    for (size_t i = 0; i < x->nsheets; i++)
        if (strcasecmp(x->names[i], name) == 0) return 1; /* Excel ignores (ASCII) case */
    return 0;
}

/* col_width: the column's width in Excel units: as given, or a default for
 * its kind widened to fit the title (2 per Chinese character, 3 for the
 * filter button). */
static double col_width(const kf_table_col *c)
{
    if (c->width > 0) return c->width > 255 ? 255 : c->width;
    static const double by_kind[6] = {
        [KF_COL_TEXT] = 14, [KF_COL_INT] = 10,     [KF_COL_FEN] = 14,
        [KF_COL_RATIO] = 9, [KF_COL_DECIMAL] = 10, [KF_COL_TIME] = 17,
    };
    double w = kf_table_text_width(c->title) + 3;
    if (w < by_kind[c->kind]) w = by_kind[c->kind];
    return w > MAX_WIDTH ? MAX_WIDTH : w;
}

/* cut: S (LEN bytes, NUL-terminated) cut to what one cell may hold. */
static const char *cut(xlsx_state *x, const char *s, size_t len)
{
    if (len <= STR_MAX) return s;
    kf_buf_reset(&x->cell);
    kf_buf_append(&x->cell, s, kf_table_utf8_cut(s, len, STR_MAX));
    return x->cell.data;
}

/* end_sheet: the autofilter over the header and the rows below it. */
static void end_sheet(xlsx_state *x)
{
    if (!x->ws) return;
    uint32_t last = x->row > x->header_row + 1 ? x->row - 1 : x->header_row;
    /* cosmetic: an error here (a single cell) leaves the sheet without one */
    (void)worksheet_autofilter(x->ws, x->header_row, 0, last, (lxw_col_t)(x->ncols - 1));
}

/* add_sheet: a worksheet for part X->part of the current sheet, with its
 * title line, header, widths, frozen pane. */
static int add_sheet(kf_table_out *o, xlsx_state *x)
{
    end_sheet(x);
    char name[LXW_MAX_SHEETNAME_LENGTH];
    for (int k = x->part;; k++) {
        compose(o->sheet_name, k, name);
        if (!name_taken(x, name)) break;
    }
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
    if (!ws) return KF_EIO;
    x->sheets = kf_realloc(x->sheets, (x->nsheets + 1) * sizeof(*x->sheets));
    x->names = kf_realloc(x->names, (x->nsheets + 1) * sizeof(*x->names));
    x->sheets[x->nsheets] = ws;
    memcpy(x->names[x->nsheets], name, sizeof(name));
    x->nsheets++;
    x->ws = ws;
    x->ncols = o->ncols;
    if (!x->doc_title) x->doc_title = kf_strdup(o->title_line ? o->title_line : o->sheet_name);

    int rc = KF_OK;
    x->row = 0;
    if (o->title_line) {
        const char *t = cut(x, o->title_line, strlen(o->title_line));
        rc = lxw_rc(worksheet_write_string(ws, 0, 0, t, x->title_fmt));
        x->row = 1;
    }
    x->header_row = x->row;
    for (size_t c = 0; rc == KF_OK && c < o->ncols; c++) {
        const kf_table_col *col = &o->cols[c];
        rc = lxw_rc(worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, col_width(col), NULL));
        const char *t = cut(x, col->title, strlen(col->title));
        if (rc == KF_OK)
            rc = lxw_rc(worksheet_write_string(ws, x->header_row, (lxw_col_t)c, t, x->header_fmt));
    }
    worksheet_freeze_panes(ws, x->header_row + 1, 0);
    if (rc == KF_OK) rc = lxw_rc(worksheet_repeat_rows(ws, x->header_row, x->header_row));
    x->row = x->header_row + 1;
    return rc;
}

static int xlsx_sheet(kf_table_out *o)
{
    xlsx_state *x = o->be;
    x->part = 1;
    return add_sheet(o, x);
}

/* room: continues on a new worksheet when this one is full. */
static int room(kf_table_out *o, xlsx_state *x)
{
    if (x->row < o->limit) return KF_OK;
    x->part++;
    return add_sheet(o, x);
}

static int xlsx_text(kf_table_out *o, const char *s, size_t len)
{
    xlsx_state *x = o->be;
    int rc = room(o, x);
    if (rc != KF_OK || !len) return rc;
    return lxw_rc(worksheet_write_string(x->ws, x->row, (lxw_col_t)o->col, cut(x, s, len), NULL));
}

static int number(kf_table_out *o, xlsx_state *x, double v, kf_col_kind kind)
{
    return lxw_rc(worksheet_write_number(x->ws, x->row, (lxw_col_t)o->col, v, x->kind_fmt[kind]));
}

static int xlsx_integer(kf_table_out *o, int64_t v)
{
    xlsx_state *x = o->be;
    int rc = room(o, x);
    if (rc != KF_OK) return rc;
    kf_col_kind kind = o->cols[o->col].kind;
    if (kind == KF_COL_FEN) return number(o, x, (double)v / 100.0, kind);
    if (kind != KF_COL_TIME) return number(o, x, (double)v, kind);
    /* a date-time is a count of days (and its fraction) in local time */
    int64_t days;
    int32_t secs;
    kf_table_local_time(o->tz, v, &days, &secs);
    if (days >= EXCEL_MIN_DAYS && days <= EXCEL_MAX_DAYS)
        return number(o, x, (double)(days + EXCEL_EPOCH_DAYS) + secs / 86400.0, kind);
    /* before 1900-03-01 Excel shows dates wrong: the same text as in CSV */
    int y, m, d;
    kf_civil_from_days(days, &y, &m, &d);
    char t[32];
    snprintf(t, sizeof(t), "%04d-%02d-%02d %02d:%02d", y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60));
    return lxw_rc(worksheet_write_string(x->ws, x->row, (lxw_col_t)o->col, t, NULL));
}

static int xlsx_real(kf_table_out *o, double v)
{
    xlsx_state *x = o->be;
    int rc = room(o, x);
    return rc != KF_OK ? rc : number(o, x, v, o->cols[o->col].kind);
}

static int xlsx_empty(kf_table_out *o)
{
    return room(o, o->be); /* nothing to write: a missing cell is empty */
}

static int xlsx_row_end(kf_table_out *o)
{
    xlsx_state *x = o->be;
    int rc = room(o, x); /* a row of empty cells still takes its row */
    if (rc == KF_OK) x->row++;
    return rc;
}

/* tmpfiles_ok: whether every row made it into the worksheets' temporary files. */
static int tmpfiles_ok(const xlsx_state *x)
{
    for (size_t i = 0; i < x->nsheets; i++) {
        FILE *f = x->sheets[i]->optimize_tmpfile;
        if (f && (fflush(f) != 0 || ferror(f))) return 0;
    }
    return 1;
}

static int xlsx_finish(kf_table_out *o, int err)
{
    xlsx_state *x = o->be;
    if (!x) return KF_OK;
    int rc = KF_OK;
    if (x->wb) {
        if (err == KF_OK && !tmpfiles_ok(x)) err = rc = KF_EIO;
        if (err == KF_OK) {
            end_sheet(x);
            lxw_doc_properties props = {
                .title = x->doc_title,
                .author = "kefu",
                .company = "kefu",
                .comments = "kefu " KEFU_VERSION,
            };
            workbook_set_properties(x->wb, &props);
            /* workbook_close writes the file and frees the workbook */
            rc = lxw_rc(workbook_close(x->wb));
        } else {
            lxw_workbook_free(x->wb); /* nothing is written */
        }
    }
    free(x->sheets);
    free(x->names);
    free(x->doc_title);
    free(x->tmpdir);
    kf_buf_free(&x->cell);
    free(x);
    return rc;
}

const kf_table_backend kf_table_xlsx_backend = {
    .open = xlsx_open,
    .sheet = xlsx_sheet,
    .text = xlsx_text,
    .integer = xlsx_integer,
    .real = xlsx_real,
    .empty = xlsx_empty,
    .row_end = xlsx_row_end,
    .finish = xlsx_finish,
};
