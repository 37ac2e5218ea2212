#!/usr/bin/env python3
"""Deterministic CSV files for bench/records: units and people of one project.

    records.py OUTDIR --units N --people M --buildings B [--seed S]

Writes OUTDIR/units.csv (UTF-8, Chinese headers), OUTDIR/people-K.csv in chunks
of 100,000 rows (GB18030, as Chinese Excel saves them), and OUTDIR/queries-*.txt
with lookups that hit: full mobiles, last four digits, two-character name parts,
unit codes.
"""
import argparse
import os
import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强晓明海燕红梅文博子轩浩然梓涵欣怡宇轩思远雨桐一诺佳琪俊杰"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--units", type=int, default=100000)
    ap.add_argument("--people", type=int, default=1000000)
    ap.add_argument("--buildings", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    per_building = max(1, a.units // a.buildings)
    codes = []
    with open(os.path.join(a.outdir, "units.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("楼栋,单元,楼层,房号,面积,状态\r\n")
        for i in range(a.units):
            b = i // per_building % a.buildings + 1
            k = i % per_building
            entrance, floor, door = k // 400 + 1, k // 4 % 100 + 1, k % 4 + 1
            number = "%d%02d" % (floor, door)
            area = rnd.randint(4500, 18000) / 100
            f.write("%d,%d,%d,%s,%.2f,occupied\r\n" % (b, entrance, floor, number, area))
            codes.append("%d-%d-%s" % (b, entrance, number))
    mobiles, names = [], []
    chunk, out = 0, None
    for i in range(a.people):
        if i % 100000 == 0:
            if out:
                out.close()
            out = open(os.path.join(a.outdir, "people-%02d.csv" % chunk), "w", encoding="gb18030",
                       newline="")
            out.write("姓名,手机,客户等级\r\n")
            chunk += 1
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        mobile = "1%d%09d" % (rnd.choice((3, 5, 7, 8, 9)), i * 7919 % 1000000000)
        out.write("%s,%s,%s\r\n" % (name, mobile, rnd.choice("ABC")))
        if i % 97 == 0:
            mobiles.append(mobile)
            names.append(name[-2:] if len(name) > 2 else name)
    if out:
        out.close()
    qs = {"mobile": mobiles, "last4": [m[-4:] for m in mobiles], "name": names,
          "unit": codes[::max(1, len(codes) // 2000)]}
    for kind, values in qs.items():
        with open(os.path.join(a.outdir, "queries-%s.txt" % kind), "w", encoding="utf-8") as f:
            f.write("\n".join(values[:5000]) + "\n")


if __name__ == "__main__":
    main()
