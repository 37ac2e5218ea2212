/* The writer's VFS: the default one, except that writes to the WAL are
 * gathered in memory and written with one pwrite per commit.
 *
 * SQLite writes each frame of a commit as two writes (its 24-byte header,
 * then the page), about a hundred frames per intake batch: two hundred
 * system calls, which on this VM cost the writer a sixth of its time. The
 * frames of a commit are consecutive, so they are kept in a buffer and
 * written together when the commit's last frame (the one whose header
 * carries the database size) is complete — before SQLite publishes the
 * frames in the WAL index, so no reader (another connection, the
 * checkpointer, the syncer's fdatasync) can look for bytes not yet written.
 * A write that does not continue the buffer, a read, a sync, a truncate or
 * a size query writes the buffer out first; a failed write-out is returned
 * by the call that caused it, so SQLite fails the commit as it would have.
 * Only the writer's connection uses it ("kefu-walbuf"); other files are
 * passed straight through. */
#include "store/sqlite_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_HEADER 24
/* A transaction larger than this (an import spilling pages) is written out
 * as it goes: uncommitted frames on disk are harmless, memory is not free. */
#define BUFFER_MAX (4 << 20)
#define WRITE_MAX  (64 << 10)

typedef struct {
    sq_shim_file shim;
    int is_wal;
    int commit_pending; /* the last header written ends a commit */
    unsigned char *buf; /* bytes [start, start + len) of the file */
    sqlite3_int64 start;
    size_t len, cap;
    sqlite3_file storage[]; /* the default VFS's file, szOsFile bytes */
} wb_file;

static sqlite3_vfs *real_vfs(void);

static int flush(wb_file *f)
{
    /* the unix VFS writes at most 128 KB a call (it masks the size) */
    int rc = SQLITE_OK;
    for (size_t done = 0; done < f->len && rc == SQLITE_OK; done += WRITE_MAX) {
        size_t n = f->len - done < WRITE_MAX ? f->len - done : WRITE_MAX;
        rc = sq_shim_write(&f->shim.base, f->buf + done, (int)n, f->start + (sqlite3_int64)done);
    }
    f->len = 0;
    return rc;
}

static int wb_close(sqlite3_file *file)
{
    wb_file *f = (wb_file *)file;
    int rc = flush(f);
    int rc2 = sq_shim_close(file);
    free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    wb_file *f = (wb_file *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : sq_shim_read(file, out, amt, off);
}

/* Appends or patches the buffer; 0 when the write does not fit it. */
static int buffered(wb_file *f, const void *data, int amt, sqlite3_int64 off)
{
    sqlite3_int64 end = f->start + (sqlite3_int64)f->len;
    if (f->len && off >= f->start && off + amt <= end) { /* a frame written again */
        memcpy(f->buf + (off - f->start), data, (size_t)amt);
        return 1;
    }
    if (f->len && off != end) return 0;
    if (f->len + (size_t)amt > BUFFER_MAX) return 0;
    if (!f->len) f->start = off;
    if (f->len + (size_t)amt > f->cap) {
        size_t cap = f->cap ? f->cap : 1 << 20;
        while (cap < f->len + (size_t)amt)
            cap *= 2;
        unsigned char *grown = realloc(f->buf, cap);
        if (!grown) return 0; /* written through instead */
        f->buf = grown;
        f->cap = cap;
    }
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    return 1;
}

static int write_through(wb_file *f, const void *data, int amt, sqlite3_int64 off)
{
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : sq_shim_write(&f->shim.base, data, amt, off);
}

static int wb_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    wb_file *f = (wb_file *)file;
    /* the WAL header starts a new log: written through, like every other file */
    if (!f->is_wal || off == 0) return write_through(f, data, amt, off);
    if (amt == FRAME_HEADER) {
        /* bytes 4–7 of a frame header: the database size after a commit, 0 otherwise */
        const unsigned char *h = data;
        f->commit_pending = (h[4] | h[5] | h[6] | h[7]) != 0;
        /* Only a header that continues the frames being gathered waits. One
         * that starts afresh is written at once: when SQLite recomputes the
         * checksums of a transaction it rewrites headers alone, the last one
         * the commit's, with no page after it to send the buffer out. */
        if (f->len && off == f->start + (sqlite3_int64)f->len && buffered(f, data, amt, off))
            return SQLITE_OK;
        return write_through(f, data, amt, off);
    }
    int rc = buffered(f, data, amt, off) ? SQLITE_OK : write_through(f, data, amt, off);
    if (rc == SQLITE_OK && f->commit_pending) { /* the commit's last page: out it goes */
        f->commit_pending = 0;
        rc = flush(f);
    }
    return rc;
}

static int wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    wb_file *f = (wb_file *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : sq_shim_truncate(file, size);
}

static int wb_sync(sqlite3_file *file, int flags)
{
    wb_file *f = (wb_file *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : sq_shim_sync(file, flags);
}

static int wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    wb_file *f = (wb_file *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : sq_shim_file_size(file, size);
}

static int wb_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
    int rc = flush((wb_file *)f);
    return rc != SQLITE_OK ? rc : sq_shim_fetch(f, off, amt, out);
}

static const sqlite3_io_methods wb_methods = {
    3,
    wb_close,
    wb_read,
    wb_write,
    wb_truncate,
    wb_sync,
    wb_file_size,
    sq_shim_lock,
    sq_shim_unlock,
    sq_shim_check_reserved,
    sq_shim_file_control,
    sq_shim_sector_size,
    sq_shim_device_characteristics,
    sq_shim_shm_map,
    sq_shim_shm_lock,
    sq_shim_shm_barrier,
    sq_shim_shm_unmap,
    wb_fetch,
    sq_shim_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    (void)vfs;
    wb_file *f = (wb_file *)file;
    memset(f, 0, sizeof(*f));
    int rc = sq_shim_open(real_vfs(), name, &f->shim, f->storage, flags, out_flags);
    if (rc != SQLITE_OK || !f->storage->pMethods) return rc;
    f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->shim.base.pMethods = &wb_methods;
    return SQLITE_OK;
}

/* The VFS is process-wide by SQLite's design (a registry of names): it is
 * filled once, from the default VFS, and never changed after. Every method
 * but xOpen is the default VFS's own, with its own pAppData. */
static sqlite3_vfs wb_vfs;
static sqlite3_vfs *wb_real;
static pthread_once_t wb_once = PTHREAD_ONCE_INIT;
static int wb_registered = SQLITE_ERROR;

static sqlite3_vfs *real_vfs(void)
{
    return wb_real;
}

static void wb_register(void)
{
    wb_registered =
        sq_shim_vfs_register(&wb_vfs, &wb_real, SQ_WALBUF_VFS, (int)sizeof(wb_file), wb_open);
}

int sq_walbuf_register(void)
{
    pthread_once(&wb_once, wb_register);
    return wb_registered;
}
