#include "core/i18n.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *key, *zh, *en;
} messages[] = {
    /* error codes */
    {"invalid_json", "请求体不是有效的 JSON", "The request body is not valid JSON"},
    {"validation_failed", "输入有误，请检查标出的字段", "Some fields are invalid"},
    {"not_found", "找不到该资源", "Not found"},
    {"method_not_allowed", "该资源不支持此方法", "Method not allowed on this resource"},
    {"unauthorized", "请先登录", "Please sign in"},
    {"session_expired", "登录已失效，请重新登录", "Your session has expired; please sign in again"},
    {"invalid_credentials", "账号或密码错误", "Wrong login or password"},
    {"forbidden", "您的角色无权执行此操作", "Your role may not do this"},
    {"csrf_failed", "缺少或错误的 CSRF 令牌", "Missing or wrong CSRF token"},
    {"conflict", "与现有数据冲突", "This conflicts with existing data"},
    {"version_conflict", "数据已被他人修改，请刷新后重试",
     "Someone else changed this; reload and try again"},
    {"payload_too_large", "请求体过大", "The request body is too large"},
    {"already_linked", "这两张工单已经关联", "The two tickets are already linked"},
    {"not_resolved", "工单尚未处理完成，不能回访", "The ticket is not resolved: no follow-up yet"},
    {"ticket_not_open", "工单已结束，不能催办", "The ticket is no longer open"},
    {"file_too_large", "文件过大（每个附件最大 10 MB）",
     "The file is too large (10 MB at most per attachment)"},
    {"unsupported_type", "只能上传 JPEG、PNG、WebP 图片或 PDF 文件",
     "Only JPEG, PNG and WebP images and PDF files can be attached"},
    {"type_mismatch", "文件内容与声明的类型不符",
     "The file's content does not match its declared type"},
    {"too_many_attempts", "尝试次数过多，请稍后再试", "Too many attempts; try again later"},
    {"too_many_requests", "请求过于频繁，请稍后再试", "Too many requests; try again later"},
    {"unsupported_media_type", "请求体须为 application/json", "The body must be application/json"},
    {"internal", "服务器内部错误", "Internal server error"},
    {"unavailable", "服务暂不可用，请稍后再试", "Service unavailable; try again later"},
    {"timeout", "数据库繁忙，请稍后再试", "The database is busy; try again"},
    /* validation reasons */
    {"required", "必填", "Required"},
    {"must_be_string", "须为文本", "Must be text"},
    {"must_be_integer", "须为整数", "Must be a whole number"},
    {"must_be_boolean", "须为 true 或 false", "Must be true or false"},
    {"must_be_array", "须为列表", "Must be a list"},
    {"too_long", "过长", "Too long"},
    {"too_short", "过短", "Too short"},
    {"invalid", "格式不正确", "Not valid"},
    {"unknown_field", "未知字段", "Unknown field"},
    {"unknown_role", "未知角色", "Unknown role"},
    {"unknown_project", "项目不存在", "No such project"},
    {"login_taken", "该账号已存在", "This login is taken"},
    {"wrong_password", "当前密码不正确", "The current password is wrong"},
    {"password_too_short", "密码至少 8 位", "At least 8 characters"},
    {"password_too_long", "密码最多 128 位", "At most 128 characters"},
    {"bad_cursor", "分页游标无效", "Invalid page cursor"},
    {"bad_time", "时间格式应为 RFC 3339，如 2026-01-31T08:00:00+08:00",
     "Use RFC 3339 time, e.g. 2026-01-31T08:00:00+08:00"},
    {"out_of_range", "超出允许范围", "Out of range"},
    {"has_dependents", "仍有记录依赖于它，不能删除", "Other records still depend on it"},
    {"taken", "已被占用", "Already taken"},
    {"immutable", "创建后不可修改", "Cannot be changed after creation"},
    {"unknown_reference", "不存在或不属于该项目", "No such record in this project"},
    {"invalid_date", "日期格式应为 YYYY-MM-DD", "Use a date like 2026-01-31"},
    {"not_in_list", "不是允许的取值", "Not one of the allowed values"},
    {"overlap", "与同一角色的已有记录时间重叠", "Overlaps an existing record of the same role"},
    {"invalid_mobile", "手机号格式不正确", "Not a valid mobile number"},
    {"invalid_id_number", "身份证号不正确（18 位，校验位有误）", "Not a valid ID number"},
    {"unknown_building", "楼栋不存在", "No such building in this project"},
    {"import_not_csv", "文件不是 CSV（请在 Excel 中另存为 CSV）",
     "Not a CSV file (save it as CSV in Excel)"},
    {"import_unknown_encoding", "无法识别文件编码（应为 UTF-8 或 GB18030/GBK）",
     "Unknown text encoding (use UTF-8 or GB18030/GBK)"},
    {"import_missing_column", "缺少必需的列", "A required column is missing"},
    {"import_empty", "文件中没有数据行", "The file has no data rows"},
    {"import_failed", "导入未执行：有错误的行，未写入任何数据",
     "Nothing imported: some rows are invalid"},
    {"csv_truncated", "文件不完整：引号未闭合", "Truncated file: a quote is never closed"},
    {"csv_quote_in_field", "未加引号的字段中出现引号", "A quote inside an unquoted field"},
    {"csv_text_after_quote", "引号闭合后还有文字", "Text after a closing quote"},
    {"csv_too_many_fields", "列数过多", "Too many columns"},
    {"csv_field_too_long", "字段过长", "A field is too long"},
    {"csv_nul_byte", "文件中含有空字节，不是文本", "The file contains NUL bytes"},
    {"insufficient_balance", "质保金余额不足", "More than the deposit balance"},
    {"bad_transition", "当前状态下不能改为该状态", "Not allowed from the current status"},
    {"card_already_issued", "该卡/钥匙已发放且未收回", "This card or key is already out"},
    {"card_not_issued", "该卡/钥匙当前未发放", "This card or key is not out"},
    {"last_admin", "不能停用或降级最后一位系统管理员", "This is the last active administrator"},
    /* tickets (src/api/tickets.c, ticket_actions.c) */
    {"transition_not_allowed", "当前状态不允许此操作，请按允许的状态流转",
     "This step is not allowed from the ticket's state; see the allowed ones"},
    {"idempotency_key_reused", "该幂等键已用于另一个请求",
     "This Idempotency-Key was used for another request"},
    {"no_onsite_due", "该工单没有待完成的经理上门要求", "This ticket has no manager visit due"},
    {"inquiry_only", "只有咨询类工单可当场答复关闭", "Only an inquiry can be answered on the spot"},
    {"caller_required", "请填写来电人：业户、房屋或联系电话",
     "Give the caller: a person, a unit or a phone number"},
    {"not_member", "该人员不是此部门成员", "Not a member of this department"},
    {"in_past", "时间不能早于现在", "Must not be in the past"},
    {"other_project", "两张工单须属于同一项目", "Both tickets must be of the same project"},
    {"same_ticket", "不能关联工单自身", "A ticket cannot be linked to itself"},
    /* costs and compensation (src/api/ticket_charges.c, charge_reports.c) */
    {"approval_pending", "该工单还有待审批的费用或赔偿，审批后才能关闭",
     "A cost or compensation of this ticket awaits approval; it can close once decided"},
    {"approval_level", "金额超出您的审批权限，须由更高一级审批（见 required_level）",
     "The amount is above your approval limit; see required_level for who approves it"},
    {"own_request", "不能审批自己提交的费用或赔偿", "You cannot decide on your own request"},
    {"not_pending", "该费用已审批或已驳回", "This charge has already been decided"},
    {"no_approver", "该项目没有在职的公司主管（总经理），超过经理权限的赔偿无人可以审批",
     "This project has no active executive to approve a compensation above the manager's limit"},
    {"not_chargeable", "只有未结束的投诉或报修工单可以登记赔偿",
     "Only an open complaint or repair can carry a compensation"},
    {"amount_overflow", "金额超出上限（每笔最多 1 亿元）",
     "The amount is too large (at most ¥100,000,000 per charge)"},
    {"resolve_only", "只能在处理完成（to: resolved）时填写", "Only with to: resolved"},
    {"no_cost", "没有费用可由施工队承担", "There is no cost for a crew to bear"},
    {"must_be_number", "须为数字", "Must be a number"},
    {"quantity_decimals", "数量最多 3 位小数", "At most three decimals"},
    {"company_has_no_id", "由公司承担时不填 bearer_id", "No bearer_id when the company bears it"},
    {"above_manager_limit", "主管审批上限不能高于经理审批上限",
     "The supervisor's limit must not exceed the manager's"},
    {"invalid_month", "月份格式应为 YYYY-MM，如 2026-11", "Use a month like 2026-11"},
    /* the service desk's configuration (src/api/desk_config.c, desk_calendar.c) */
    {"duplicate_policy", "该类型、级别、项目与分类的时限策略已存在",
     "A deadline policy for this type, severity, project and category exists"},
    {"duplicate_day", "该日期已有节假日或调休记录", "This day is already in the calendar"},
    {"invalid_calendar", "不是有效的 iCalendar 日历文件，未导入任何日期",
     "Not a valid iCalendar file; nothing was imported"},
    {"unknown_category", "工单分类不存在", "No such ticket category"},
    {"too_deep", "工单分类最多 4 级", "Categories nest at most 4 levels deep"},
    {"cycle", "不能移到它自己或其下级分类之下", "Cannot move under itself or its subcategories"},
    {"requires_project", "须同时指定项目", "Needs a project_id as well"},
    {"one_target_required", "责任部门与部门类型须且只能指定一个",
     "Give exactly one of department_id and department_kind"},
    {"duplicate_milestone", "同一时限节点只能出现一次", "Each milestone may appear only once"},
    {"too_many_windows", "每天最多 4 个工作时段", "At most 4 working windows a day"},
    {"overlapping_windows", "工作时段相互重叠", "Working windows overlap"},
    {"no_working_time", "一周中没有任何工作时间", "The week has no working time"},
    {"bad_window", "时段应为 [\"HH:MM\", \"HH:MM\"]，且开始早于结束",
     "Use [\"HH:MM\", \"HH:MM\"] with the start before the end"},
    {"not_icalendar", "文件不是 iCalendar 格式（应以 BEGIN:VCALENDAR 开始）",
     "Not an iCalendar file (BEGIN:VCALENDAR expected)"},
    {"bad_date", "日期无效或缺失", "A date is missing or not valid"},
    {"too_many_days", "日期过多（一次最多 5000 天）", "Too many days (at most 5000 at once)"},
    {"event_too_long", "单个事件超过 366 天", "An event spans more than 366 days"},
    {"timed_event", "事件带有具体时刻，不是全天事件",
     "An event with a time of day, not a whole day"},
};

const char *kf_lang_pick(const char *accept_language)
{
    if (!accept_language) return "zh-CN";
    /* The first language the client names wins; anything but English is zh-CN. */
    while (*accept_language == ' ')
        accept_language++;
    if (strncasecmp(accept_language, "en", 2) == 0) return "en";
    return "zh-CN";
}

const char *kf_msg(const char *lang, const char *key)
{
    int en = lang && strcmp(lang, "en") == 0;
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
        if (strcmp(messages[i].key, key) == 0) return en ? messages[i].en : messages[i].zh;
    return key;
}
