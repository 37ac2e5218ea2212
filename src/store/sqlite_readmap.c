/* The readers' VFS: the default one, except that the pages of the database
 * file are read through one memory mapping of it, shared by every reader and
 * kept until the last reader closes.
 *
 * A WAL reader drops its whole page cache whenever another connection has
 * committed since its last read; under load that is nearly every read, so
 * each request read the root and inner pages of its B-trees again with a
 * pread each (about 25 for a ticket's creation, 15 for a page of the mix),
 * and on a virtual machine a system call costs microseconds. SQLite's own
 * mapping would avoid the reads, but it unmaps the whole file at each such
 * change and maps it again, which measured ten times slower than pread. This
 * mapping stays: its pages are the kernel's page cache (MAP_SHARED), so they
 * always hold what a pread would return, whatever another connection wrote.
 *
 * Pages still in the WAL are read as before (SQLite maps only the database).
 * The mapping grows with the file. kefu never shrinks the file (no VACUUM);
 * in case another program does, each change a reader notices (SQLite then
 * asks to unmap everything) compares the file's size, and the pages past the
 * new end become zeroes: a reader sees a damaged page instead of a SIGBUS. */
#include "store/sqlite_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Address space set aside for a file's mapping; a database larger than this
 * reads its further pages with pread. Reserving costs no memory. */
#define RESERVE_BIG   ((size_t)1 << 40)
#define RESERVE_SMALL ((size_t)1 << 34)

/* One database file's mapping, shared by the readers that have it open.
 *
 * Its descriptor is never closed. POSIX locks belong to the process, and
 * closing any descriptor of a file drops every lock the process holds on it
 * (SQLite's unix VFS defers its own closes for this reason): a close here
 * once dropped the writer's shared lock, so another program's connection
 * believed itself the last one and deleted the log the server was writing.
 * When the last reader closes, the address space goes and the descriptor
 * waits for the next reader of the same file: one descriptor per database
 * file a process ever reads. */
typedef struct rm_map {
    dev_t dev;
    ino_t ino;
    int fd;     /* our own, read-only; never closed */
    int refs;   /* open readers; under rm_registry.mu, like BASE and RESERVED */
    char *base; /* RESERVED bytes of address space, NULL with no reader */
    size_t reserved;
    _Atomic size_t mapped;   /* [0, mapped) of BASE is the file */
    pthread_mutex_t grow_mu; /* changes to what is mapped */
    struct rm_map *next;
} rm_map;

typedef struct {
    sq_shim_file shim;
    rm_map *map;            /* NULL for every file but a database */
    sqlite3_file storage[]; /* the default VFS's file, szOsFile bytes */
} rm_file;

/* The files mapped. Process-wide like SQLite's registry of VFSes and its own
 * table of open files: readers of one file in different stores (the tests
 * open several) share a mapping. */
static struct {
    pthread_mutex_t mu;
    rm_map *maps;
} rm_registry = {PTHREAD_MUTEX_INITIALIZER, NULL};

static size_t page_floor(off_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return n <= 0 ? 0 : (size_t)n / page * page;
}

/* Maps more of the file, up to its size now. Under grow_mu. */
static void grow(rm_map *m)
{
    struct stat st;
    if (fstat(m->fd, &st) != 0) return;
    size_t want = page_floor(st.st_size), have = atomic_load(&m->mapped);
    if (want > m->reserved) want = m->reserved;
    if (want <= have) return;
    void *p =
        mmap(m->base + have, want - have, PROT_READ, MAP_SHARED | MAP_FIXED, m->fd, (off_t)have);
    if (p == MAP_FAILED) return; /* the reserve is untouched; pread serves */
    atomic_store(&m->mapped, want);
}

/* Pages past the file's end, after another program shrank it, become zeroes
 * (a read of a page beyond a file's end would raise SIGBUS). */
static void shrink_to_file(rm_map *m)
{
    struct stat st;
    if (fstat(m->fd, &st) != 0) return;
    size_t size = page_floor(st.st_size), have = atomic_load(&m->mapped);
    if (size >= have) return;
    pthread_mutex_lock(&m->grow_mu);
    have = atomic_load(&m->mapped);
    if (size < have && mmap(m->base + size, have - size, PROT_READ,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED)
        atomic_store(&m->mapped, size);
    pthread_mutex_unlock(&m->grow_mu);
}

/* Sets address space aside for M's mapping; 0 when there is none to have. */
static int reserve(rm_map *m)
{
    size_t sizes[] = {RESERVE_BIG, RESERVE_SMALL};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        void *p =
            mmap(NULL, sizes[i], PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            m->base = p;
            m->reserved = sizes[i];
            atomic_store(&m->mapped, 0);
            return 1;
        }
    }
    return 0;
}

/* The entry for the file with ST's identity, or NULL. Under rm_registry.mu. */
static rm_map *map_find(const struct stat *st)
{
    rm_map *m = rm_registry.maps;
    while (m && !(m->dev == st->st_dev && m->ino == st->st_ino))
        m = m->next;
    return m;
}

/* The entry for the file NAME, found or made. Under rm_registry.mu. */
static rm_map *map_entry(const char *name)
{
    struct stat st;
    rm_map *m = stat(name, &st) == 0 ? map_find(&st) : NULL;
    if (m) return m;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    /* from here FD stays open whatever happens: see rm_map */
    if (fstat(fd, &st) != 0) return NULL;
    if ((m = map_find(&st))) return m;
    m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    m->fd = fd;
    pthread_mutex_init(&m->grow_mu, NULL);
    m->next = rm_registry.maps;
    rm_registry.maps = m;
    return m;
}

/* The mapping of the file NAME with one more reader; NULL when it cannot be
 * had (the reader then reads with pread). */
static rm_map *map_acquire(const char *name)
{
    pthread_mutex_lock(&rm_registry.mu);
    rm_map *m = map_entry(name);
    if (m && !m->refs && !reserve(m)) m = NULL;
    if (m) m->refs++;
    pthread_mutex_unlock(&rm_registry.mu);
    return m;
}

static void map_release(rm_map *m)
{
    pthread_mutex_lock(&rm_registry.mu);
    if (--m->refs == 0) {
        munmap(m->base, m->reserved);
        m->base = NULL;
        atomic_store(&m->mapped, 0);
    }
    pthread_mutex_unlock(&rm_registry.mu);
}

static int rm_close(sqlite3_file *file)
{
    rm_file *f = (rm_file *)file;
    if (f->map) map_release(f->map);
    f->map = NULL;
    return sq_shim_close(file);
}

static int rm_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    rm_map *m = ((rm_file *)file)->map;
    *out = NULL; /* SQLite reads the page instead */
    if (!m || off < 0 || amt <= 0) return SQLITE_OK;
    size_t end = (size_t)off + (size_t)amt;
    if (end > atomic_load_explicit(&m->mapped, memory_order_acquire)) {
        pthread_mutex_lock(&m->grow_mu);
        grow(m);
        pthread_mutex_unlock(&m->grow_mu);
        if (end > atomic_load(&m->mapped)) return SQLITE_OK;
    }
    *out = m->base + off;
    return SQLITE_OK;
}

static int rm_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    rm_map *m = ((rm_file *)file)->map;
    (void)off;
    /* A page given back stays mapped. "Everything" (p NULL) is asked when
     * the reader saw another connection's change: the time to notice a
     * file that shrank. */
    if (m && !p) shrink_to_file(m);
    return SQLITE_OK;
}

static const sqlite3_io_methods rm_methods = {
    3,
    rm_close,
    sq_shim_read,
    sq_shim_write,
    sq_shim_truncate,
    sq_shim_sync,
    sq_shim_file_size,
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
    rm_fetch,
    rm_unfetch,
};

static sqlite3_vfs rm_vfs;
static sqlite3_vfs *rm_real;
static pthread_once_t rm_once = PTHREAD_ONCE_INIT;
static int rm_registered = SQLITE_ERROR;

static int rm_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    (void)vfs;
    rm_file *f = (rm_file *)file;
    memset(f, 0, sizeof(*f));
    int rc = sq_shim_open(rm_real, name, &f->shim, f->storage, flags, out_flags);
    if (rc != SQLITE_OK || !f->storage->pMethods) return rc;
    if ((flags & SQLITE_OPEN_MAIN_DB) && name) f->map = map_acquire(name);
    f->shim.base.pMethods = &rm_methods;
    return SQLITE_OK;
}

static void rm_register(void)
{
    rm_registered =
        sq_shim_vfs_register(&rm_vfs, &rm_real, SQ_READMAP_VFS, (int)sizeof(rm_file), rm_open);
}

int sq_readmap_register(void)
{
    pthread_once(&rm_once, rm_register);
    return rm_registered;
}
