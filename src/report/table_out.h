/* A streaming table writer for report exports: sheets of typed columns written
 * row by row to an Excel workbook (.xlsx) or a CSV file, in memory that does
 * not grow with the number of rows (100,000+ ticket rows are normal).
 *
 *   kf_table_out *t;
 *   int rc = kf_table_open(KF_TABLE_XLSX, path, "Asia/Shanghai", &t);
 *   if (rc == KF_OK) rc = kf_table_sheet(t, "概览", title, cols, ncols);
 *   for (each row) { kf_table_text(t, …); kf_table_int(t, fen); …; kf_table_row_end(t); }
 *   int rc2 = kf_table_close(t);   (always; it returns the first error seen)
 *
 * Cells are typed by their column: kf_table_int on a KF_COL_FEN column is an
 * amount of money in fen, on a KF_COL_TIME column a time in ms UTC. Every
 * call after an error does nothing and returns that error again, so a caller
 * may check only kf_table_close. Misuse (a cell before any sheet, more cells
 * than columns, a value the column cannot hold) is KF_EINVAL, and counts as
 * an error for kf_table_close too.
 *
 * Text must be UTF-8; invalid bytes are written as U+FFFD. After an error the
 * file's content is unspecified: do not send it.
 *
 * XLSX: one worksheet per kf_table_sheet (names made valid for Excel: at most
 * 31 characters, none of []:*?/\, unique); an optional title line in row 1,
 * then a bold header row that is frozen and carries an autofilter. Past
 * Excel's 1,048,576 rows a sheet continues on "<name> (2)" with the title and
 * header repeated. Times are real Excel date-times (local, shown
 * yyyy-mm-dd hh:mm) so they sort and filter by date; cells longer than Excel's
 * 32,767 bytes are cut at a character boundary. Rows are streamed to temporary
 * files in $TMPDIR (or /tmp) and zipped at kf_table_close.
 *
 * CSV: UTF-8 with a BOM (for Excel), CRLF line ends, RFC 4180 quoting. Each
 * sheet is a line with its title line (or its name), the header line, the
 * rows; a blank line separates sheets. Numbers never depend on the locale. */
#ifndef KF_TABLE_OUT_H
#define KF_TABLE_OUT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { KF_TABLE_XLSX, KF_TABLE_CSV } kf_table_format;

typedef enum {
    KF_COL_TEXT,    /* UTF-8 text */
    KF_COL_INT,     /* an integer count, shown #,##0 */
    KF_COL_FEN,     /* money in integer fen, shown as yuan #,##0.00; CSV: -12.34 exactly */
    KF_COL_RATIO,   /* 0..1 as a double, shown as a percent 0.0%; CSV: 87.5% */
    KF_COL_DECIMAL, /* a double shown with one decimal, e.g. hours 12.5 */
    KF_COL_TIME,    /* ms UTC, shown as local "YYYY-MM-DD HH:MM" in the zone given at open */
} kf_col_kind;

typedef struct {
    const char *title; /* the header cell */
    kf_col_kind kind;
    double width; /* XLSX column width in characters; 0: a default from the kind and title */
} kf_table_col;

typedef struct kf_table_out kf_table_out;

/* kf_table_open: a writer to the file PATH (truncated, or created with mode
 * 0600: exports hold personal data). TZ is the IANA zone for KF_COL_TIME (NULL:
 * UTC). KF_OK with *OUT owned by the caller, who must kf_table_close it;
 * KF_EIO when PATH cannot be created, KF_ENOTFOUND / KF_EINVAL for a bad zone
 * (*OUT is then NULL). */
int kf_table_open(kf_table_format fmt, const char *path, const char *tz, kf_table_out **out);

/* kf_table_open_temp: kf_table_open on a new temporary file in DIR (NULL:
 * $TMPDIR or /tmp) that no name refers to once the writer is closed; finish
 * it with kf_table_close_fd to get the file, or kf_table_close to drop it. */
int kf_table_open_temp(kf_table_format fmt, const char *dir, const char *tz, kf_table_out **out);

/* kf_table_sheet: starts a sheet (ending the previous one) named NAME, with
 * TITLE_LINE (may be NULL) above the header, e.g. "物业服务中心 2026年3月 月报
 * (2026-02-26 至 2026-03-25)", and the NCOLS columns COLS (1..16384; copied). */
int kf_table_sheet(kf_table_out *o, const char *name, const char *title_line,
                   const kf_table_col *cols, size_t ncols);

/* The next cell of the current row. */
int kf_table_text(kf_table_out *o, const char *s); /* any column; NULL = empty */
int kf_table_int(kf_table_out *o, int64_t v);      /* INT, FEN (fen), TIME (ms), RATIO, DECIMAL */
int kf_table_real(kf_table_out *o, double v);      /* RATIO, DECIMAL; NaN/±inf = empty */
int kf_table_empty(kf_table_out *o);
/* kf_table_row_end: ends the row; a short row is padded with empty cells. */
int kf_table_row_end(kf_table_out *o);

/* kf_table_close: ends an unfinished row, finishes the file and frees O (also
 * after an error; NULL is KF_OK). Returns the first error seen, e.g. KF_EIO
 * when the disk filled up. A writer from kf_table_open_temp is discarded. */
int kf_table_close(kf_table_out *o);

/* kf_table_close_fd: kf_table_close for a writer from kf_table_open_temp. On
 * KF_OK, *FD is the finished file (owned by the caller, e.g. for
 * kf_reply_file) positioned at its start and *SIZE its length in bytes; on an
 * error *FD is -1 and the file is gone. */
int kf_table_close_fd(kf_table_out *o, int *fd, uint64_t *size);

/* kf_table_content_type: the MIME type of a file in FMT (a static string). */
const char *kf_table_content_type(kf_table_format fmt);

#endif
