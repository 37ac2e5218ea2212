/* What the backend's VFS shims (sqlite_walbuf.c, sqlite_readmap.c) pass
 * straight to the default VFS's file: every method a shim does not change. */
#include "store/sqlite_int.h"

#define REAL(file) (((sq_shim_file *)(file))->real)

int sq_shim_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
int sq_shim_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), out, amt, off);
}
int sq_shim_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xWrite(REAL(f), data, amt, off);
}
int sq_shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
int sq_shim_sync(sqlite3_file *f, int flags)
{
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
int sq_shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
int sq_shim_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
int sq_shim_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
int sq_shim_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
int sq_shim_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
int sq_shim_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
int sq_shim_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
int sq_shim_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **out)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, out);
}
int sq_shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
void sq_shim_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
int sq_shim_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
int sq_shim_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, amt, out);
}
int sq_shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

int sq_shim_open(sqlite3_vfs *real, const char *name, sq_shim_file *f, sqlite3_file *storage,
                 int flags, int *out_flags)
{
    f->real = storage;
    int rc = real->xOpen(real, name, storage, flags, out_flags);
    /* without methods SQLite will not call xClose: leave ours unset too */
    if (rc != SQLITE_OK || !storage->pMethods) return rc;
    if (storage->pMethods->iVersion < 3) {
        storage->pMethods->xClose(storage);
        storage->pMethods = NULL;
        return SQLITE_CANTOPEN;
    }
    return SQLITE_OK;
}

int sq_shim_vfs_register(sqlite3_vfs *vfs, sqlite3_vfs **real, const char *name, int extra,
                         int (*open)(sqlite3_vfs *, const char *, sqlite3_file *, int, int *))
{
    *real = sqlite3_vfs_find(NULL);
    if (!*real) return SQLITE_ERROR;
    *vfs = **real;
    vfs->pNext = NULL;
    vfs->zName = name;
    vfs->szOsFile = extra + (*real)->szOsFile;
    vfs->xOpen = open;
    return sqlite3_vfs_register(vfs, 0);
}
