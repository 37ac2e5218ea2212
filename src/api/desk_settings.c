/* Company-wide service desk settings (one row): the repeat window, the days
 * within which a repair or complaint about the same unit and category counts
 * as a repeat (反复报修; 0 turns the check off), and the compensation
 * approval limits (赔偿审批权限): up to compensation_supervisor_max_fen the
 * supervisor approves, up to compensation_manager_max_fen the manager, above
 * it the executive. Read by anyone who sees tickets, changed by those who
 * configure the desk, audited. */
#include "api/desk_config_int.h"
#include "api/tickets_int.h"

#include "core/err.h"

static const kf_dcfg_col columns[] = {{"repeat_days", COL_INT},
                                      {"compensation_supervisor_max_fen", COL_INT},
                                      {"compensation_manager_max_fen", COL_INT},
                                      {"updated_at", COL_TIME},
                                      {"version", COL_INT}};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

static int load_settings(kf_tx *tx, json_t **out)
{
    return kf_dcfg_load_row(tx,
                            "SELECT repeat_days, compensation_supervisor_max_fen,"
                            " compensation_manager_max_fen, updated_at, version FROM desk_settings"
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

/* Field F of the input, or the stored value when not given. */
static int64_t given_or_stored(const kf_dcfg_job *j, const char *f)
{
    json_t *v = json_object_get(j->input, f);
    return v ? (int64_t)json_integer_value(v) : kf_dcfg_row_i64(j->before, f);
}

static int settings_write(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    int rc = load_settings(tx, &j->before);
    if (rc == KF_OK) rc = kf_dcfg_check_version(j, j->before);
    if (rc != KF_OK) return rc;
    int64_t sup = given_or_stored(j, "compensation_supervisor_max_fen");
    int64_t mgr = given_or_stored(j, "compensation_manager_max_fen");
    if (sup > mgr) { /* the levels rise with the amount */
        kf_input_fail(j->in,
                      json_object_get(j->input, "compensation_supervisor_max_fen")
                          ? "compensation_supervisor_max_fen"
                          : "compensation_manager_max_fen",
                      "above_manager_limit");
        return KF_EINVAL;
    }
    int64_t changed = 0;
    rc = kf_tx_exec(tx, &changed,
                    "UPDATE desk_settings SET repeat_days = ?, compensation_supervisor_max_fen = ?,"
                    " compensation_manager_max_fen = ?, updated_at = ?, version = version + 1"
                    " WHERE id = 1 AND version = ?",
                    "iiiii", given_or_stored(j, "repeat_days"), sup, mgr, j->now,
                    kf_dcfg_row_i64(j->before, "version"));
    if (rc == KF_OK && !changed) rc = KF_ESTALE;
    if (rc == KF_OK) rc = load_settings(tx, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "desk_settings", "update", 0) : rc;
}

static void settings_patch(kf_req *req)
{
    static const char *const names[] = {"repeat_days", "compensation_supervisor_max_fen",
                                        "compensation_manager_max_fen", "version", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    json_t *input = json_object();
    kf_dcfg_read_int(&in, input, "repeat_days", 0, 3650, 0);
    kf_dcfg_read_int(&in, input, "compensation_supervisor_max_fen", 0, KF_CHARGE_MAX_FEN, 0);
    kf_dcfg_read_int(&in, input, "compensation_manager_max_fen", 0, KF_CHARGE_MAX_FEN, 0);
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
