/* Writes a small two-sheet report with the table writer, for
 * check_table_xlsx.py to read back with Python's zipfile and XML parser:
 *
 *   table_out_driver xlsx|csv PATH [ROW_LIMIT]
 *
 * Sheet "概览" (with a title line): 指标 (text), 数量 (int), 金额 (fen),
 * 满意率 (ratio), 平均时长 (decimal), 时间 (time); sheet "工单明细" (no title
 * line, a name with characters Excel forbids and over 31 characters) with 25
 * rows, which a ROW_LIMIT of 10 spreads over three worksheets; then "概览"
 * again, "'history'" and a text cell of 20,000 characters. */
#include "core/err.h"
#include "report/table_out.h"
#include "report/table_out_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(int rc, const char *what)
{
    if (rc != KF_OK) fprintf(stderr, "table_out_driver: %s: %s\n", what, kf_err_name(rc));
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: table_out_driver xlsx|csv PATH [ROW_LIMIT]\n");
        return 2;
    }
    kf_table_format fmt = strcmp(argv[1], "csv") == 0 ? KF_TABLE_CSV : KF_TABLE_XLSX;
    kf_table_out *t;
    if (check(kf_table_open(fmt, argv[2], "Asia/Shanghai", &t), "open")) return 1;
    if (argc > 3) kf_table_set_row_limit(t, (uint32_t)atoi(argv[3]));

    static const kf_table_col summary[] = {
        {"指标", KF_COL_TEXT, 0},
        {"数量", KF_COL_INT, 0},
        {"金额(元)", KF_COL_FEN, 0},
        {"满意率", KF_COL_RATIO, 0},
        {"平均时长(小时)", KF_COL_DECIMAL, 0},
        {"最后更新", KF_COL_TIME, 0},
    };
    kf_table_sheet(t, "概览", "物业服务中心 2026年3月 月报 (2026-02-26 至 2026-03-25)", summary,
                   sizeof(summary) / sizeof(summary[0]));
    kf_table_text(t, "报修");
    kf_table_int(t, 1234);
    kf_table_int(t, 123456789); /* 1,234,567.89 yuan */
    kf_table_real(t, 0.875);
    kf_table_real(t, 12.5);
    kf_table_int(t, 1774420200000LL); /* 2026-03-25 06:30 UTC = 14:30 in Shanghai */
    kf_table_row_end(t);
    kf_table_text(t, "投诉");
    kf_table_int(t, 0);
    kf_table_int(t, -1234);
    kf_table_real(t, 0.0 / 0.0); /* NaN: empty */
    kf_table_row_end(t);         /* padded */

    static const kf_table_col detail[] = {
        {"工单号", KF_COL_TEXT, 0},
        {"标题", KF_COL_TEXT, 30},
        {"费用", KF_COL_FEN, 0},
    };
    kf_table_sheet(t, "工单明细:2026/03 [全部] 的工单明细以及所有的附加信息", NULL, detail, 3);
    for (int i = 1; i <= 25; i++) {
        char no[32];
        snprintf(no, sizeof(no), "T-%04d", i);
        kf_table_text(t, no);
        kf_table_text(t, i == 1 ? "=HYPERLINK(\"x\")" : "漏水");
        kf_table_int(t, i * 100);
        kf_table_row_end(t);
    }

    /* a name taken already (Excel compares names ignoring case), Excel's
     * reserved "History" behind apostrophes, and a cell over Excel's limit */
    static const kf_table_col one[] = {{"说明", KF_COL_TEXT, 0}};
    kf_table_sheet(t, "概览", NULL, one, 1);
    kf_table_sheet(t, "'history'", NULL, one, 1);
    static char big[20000 * 3 + 1];
    for (int i = 0; i < 20000; i++)
        memcpy(big + i * 3, "水", 3);
    kf_table_text(t, big);
    return check(kf_table_close(t), "close") == KF_OK ? 0 : 1;
}
