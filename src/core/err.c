#include "core/err.h"

const char *kf_err_name(int code)
{
    switch (code) {
    case KF_OK:
        return "ok";
    case KF_ROW:
        return "row";
    case KF_DONE:
        return "done";
    case KF_ENOTFOUND:
        return "not_found";
    case KF_ECONFLICT:
        return "conflict";
    case KF_ESTALE:
        return "stale";
    case KF_EINVAL:
        return "invalid";
    case KF_EPERM:
        return "forbidden";
    case KF_EAUTH:
        return "unauthorized";
    case KF_ELIMIT:
        return "limit";
    case KF_EDB:
        return "db_error";
    case KF_EIO:
        return "io_error";
    case KF_EBUSY:
        return "busy";
    case KF_ETIMEOUT:
        return "timeout";
    }
    return "unknown";
}
