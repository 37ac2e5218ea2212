/* Company-wide service desk settings (one row): for now the repeat window,
 * the days within which a repair or complaint about the same unit and
 * category counts as a repeat (反复报修; 0 turns the check off). Read by
 * anyone who sees tickets, changed by those who configure the desk, audited. */
#include "api/desk_config_int.h"

#include "core/err.h"

static const kf_dcfg_col columns[] = {
    {"repeat_days", COL_INT}, {"updated_at", COL_TIME}, {"version", COL_INT}};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

static int load_settings(kf_tx *tx, json_t **out)
{
    return kf_dcfg_load_row(tx,
                            "SELECT repeat_days, updated_at, version FROM desk_settings"
                            " WHERE id = ?",
                            columns, NCOLS, 1, out);
}

static void settings_get(kf_req *req)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *row = NULL;
    int rc = load_settings(tx, &row);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, row);
}

static int settings_write(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    int rc = load_settings(tx, &j->before);
    if (rc == KF_OK) rc = kf_dcfg_check_version(j, j->before);
    if (rc != KF_OK) return rc;
    json_t *days = json_object_get(j->input, "repeat_days");
    int64_t changed = 0;
    rc = kf_tx_exec(
        tx, &changed,
        "UPDATE desk_settings SET repeat_days = ?, updated_at = ?,"
        " version = version + 1 WHERE id = 1 AND version = ?",
        "iii", days ? (int64_t)json_integer_value(days) : kf_dcfg_row_i64(j->before, "repeat_days"),
        j->now, kf_dcfg_row_i64(j->before, "version"));
    if (rc == KF_OK && !changed) rc = KF_ESTALE;
    if (rc == KF_OK) rc = load_settings(tx, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "desk_settings", "update", 0) : rc;
}

static void settings_patch(kf_req *req)
{
    static const char *const names[] = {"repeat_days", "version", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    json_t *input = json_object();
    kf_dcfg_read_int(&in, input, "repeat_days", 0, 3650, 0);
    kf_dcfg_job j;
    kf_dcfg_job_init(&j, req, &in, input);
    j.id = 1;
    kf_dcfg_read_version(&in, &j.version);
    if (kf_input_end(&in) == 0) {
        int rc = kf_req_write(req, settings_write, &j);
        if (rc != KF_OK)
            kf_dcfg_reply_failure(req, &j, rc);
        else
            kf_reply_json(req, 200, json_incref(j.after));
    }
    kf_dcfg_job_done(&j);
    json_decref(input);
}

int kf_api_desk_settings_register(kf_router *r)
{
    static const kf_dcfg_route routes[] = {
        {"GET", "/api/v1/desk-settings", "tickets.read", settings_get},
        {"PATCH", "/api/v1/desk-settings", "desk.configure", settings_patch},
    };
    return kf_dcfg_add_routes(r, routes, sizeof(routes) / sizeof(routes[0]));
}
