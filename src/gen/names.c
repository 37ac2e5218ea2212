#include "gen/names.h"

#include <stdio.h>
#include <string.h>

/* each entry one character (3 bytes of UTF-8) */
static const char surnames[] = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
                               "田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
                               "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
                               "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
                               "向汤";
static const char given[] =
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志晓海燕红梅文博子轩浩"
    "然梓涵欣怡宇思远雨桐一诺佳琪俊";

static void pick(kf_rng *r, const char *table, char *out)
{
    size_t n = strlen(table) / 3;
    memcpy(out, table + 3 * kf_rng_below(r, n), 3);
}

void kf_gen_name(kf_rng *r, char *out, size_t len)
{
    char buf[16];
    pick(r, surnames, buf);
    pick(r, given, buf + 3);
    size_t n = 6;
    if (kf_rng_chance(r, 0.7)) {
        pick(r, given, buf + 6);
        n = 9;
    }
    buf[n] = '\0';
    snprintf(out, len, "%s", buf);
}

void kf_gen_mobile(kf_rng *r, char *out, size_t len)
{
    snprintf(out, len, "1%d%09llu", (int)kf_rng_range(r, 3, 9),
             (unsigned long long)kf_rng_below(r, 1000000000ULL));
}

unsigned kf_gen_season_weight(int wet, int month)
{
    /* 梅雨 and typhoons: June–September carry most leaks and cracks */
    static const unsigned wet_w[12] = {35, 35, 50, 80, 110, 200, 230, 220, 170, 80, 50, 35};
    if (month < 1 || month > 12) return 100;
    return wet ? wet_w[month - 1] : 100;
}
