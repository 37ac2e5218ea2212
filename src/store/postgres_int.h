/* Inside the PostgreSQL backend: its connections, statements and store,
 * shared by postgres.c (transactions and statements) and postgres_open.c
 * (connecting, opening and closing). */
#ifndef KF_POSTGRES_INT_H
#define KF_POSTGRES_INT_H

#include "store/stmt_cache.h"
#include "store/store_int.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pg_conn pg_conn;
typedef struct pg_stmt pg_stmt;

struct pg_stmt {
    kf_stmt base;
    pg_conn *conn;
    char name[24]; /* server-side prepared statement; "" when replanned */
    int replanned; /* sent with its text each time: planned for its values */
    char *sql;     /* the renumbered text, for logs */
    int nparams;
    char **buf;          /* per parameter, grown as needed */
    size_t *cap;         /* bytes allocated in buf[i] */
    const char **values; /* buf[i], or NULL for SQL NULL */
    PGresult *res;       /* of the execution being stepped */
    int executed;
    int row, nrows;
    int64_t changes;
    unsigned session; /* the connection's session it was prepared in */
    int dirty;
    pg_stmt *next_dirty; /* on the connection's list of statements used in this tx */
};

typedef struct {
    kf_tx base;
    pg_conn *conn;
} pg_tx;

struct pg_conn {
    PGconn *pg;
    kf_stmt_cache cache; /* sql → pg_stmt */
    pg_stmt *dirty;
    pg_tx tx; /* a connection runs one transaction at a time */
    const kf_log *log;
    unsigned next_name;
    unsigned session;      /* bumped by a reconnect: statements prepared before are gone */
    const char *begin_sql; /* the transaction's BEGIN, not yet sent (see conn_begin) */
    int index;             /* in the pool: the stripe of its transactions */
    int failed;            /* a statement failed: the server aborted the transaction */
    int commit_sent;       /* a read's COMMIT, its answer not yet taken (conn_settle) */
    char err[256];
    pg_conn *next_free;
};

typedef struct {
    pg_conn *conns;
    int n;
    pg_conn *free; /* under the store's mu */
    pthread_cond_t freed;
} pg_pool;

typedef struct {
    kf_store base;
    pg_pool pool;  /* transactions */
    pg_pool aside; /* kf_tx_aside's statements: autocommit, synchronous_commit off */
    pthread_mutex_t mu;
    kf_store_stats stats; /* under mu */
} pg_store;

/* Asides are one short statement each; a few connections let asides on
 * different rows (departments) run side by side. */
enum { ASIDE_CONNS = 4 };

/* postgres.c: the first line of MSG into DST (DSTLEN bytes). */
void pg_first_line(char *dst, size_t dstlen, const char *msg);
/* postgres.c: frees a cached statement (kf_stmt_cache's free function). */
void pg_free_stmt_handle(void *handle);

/* postgres_open.c: kf_store_ops' open and close. */
int pg_open(const char *url, const kf_store_opts *opts, kf_store **out, char *err, size_t errlen);
void pg_close(kf_store *base);

#endif
