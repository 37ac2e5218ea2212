/* Status codes shared by every module. Fallible functions return one of these;
 * the HTTP layer maps them to a status and an error body in one place. */
#ifndef KF_ERR_H
#define KF_ERR_H

enum {
    KF_OK = 0,
    KF_ROW = 1,        /* kf_stmt_step: a row is ready */
    KF_DONE = 2,       /* kf_stmt_step: no more rows */
    KF_ENOTFOUND = -1, /* the thing does not exist (or is out of the caller's scope) */
    KF_ECONFLICT = -2, /* unique key taken, or a dependent row exists */
    KF_ESTALE = -3,    /* optimistic concurrency: the version changed */
    KF_EINVAL = -4,    /* bad input; details are in the caller's error fields */
    KF_EPERM = -5,     /* the caller's role lacks the permission */
    KF_EAUTH = -6,     /* not authenticated, or wrong credentials */
    KF_ELIMIT = -7,    /* throttled or over a size limit */
    KF_EDB = -8,       /* the database failed (message logged) */
    KF_EIO = -9,       /* file or network input/output failed */
    KF_EBUSY = -10,    /* shutting down, or a queue is full */
    KF_ETIMEOUT = -11, /* a statement or wait timed out */
};

/* kf_err_name: a short stable name for a status code, for logs. */
const char *kf_err_name(int code);

#endif
