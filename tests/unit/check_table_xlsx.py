#!/usr/bin/env python3
"""Reads back what the table writer wrote (tests/unit/table_out_driver.c) with
the standard library only: the .xlsx as a zip of XML parts (sheet names,
header cells and their style, number cells with their number formats, frozen
panes, autofilter, continuation sheets past the row limit, document
properties), and the .csv through Python's csv module.

usage: check_table_xlsx.py DRIVER TMPDIR
"""
import csv
import io
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile
import xml.etree.ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}
DRIVER = TMP = None
DETAIL = "工单明细_2026_03 _全部_ 的工单明细以及所有的附加信"  # 31 characters


class Workbook:
    """The parts of an .xlsx a reader needs, keyed the way Excel resolves them."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        wb = self.xml("xl/workbook.xml")
        rels = self.xml("xl/_rels/workbook.xml.rels")
        target = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
        self.sheets = []  # (name, part)
        for s in wb.findall("m:sheets/m:sheet", NS):
            rid = s.get("{%s}id" % NS["r"])
            self.sheets.append((s.get("name"), "xl/" + target[rid].lstrip("/").replace("xl/", "")))
        styles = self.xml("xl/styles.xml")
        fmts = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.findall("m:numFmts/m:numFmt", NS)}
        fmts.update({0: "General", 3: "#,##0", 4: "#,##0.00", 10: "0.00%"})
        self.fonts = styles.findall("m:fonts/m:font", NS)
        self.fills = styles.findall("m:fills/m:fill", NS)
        self.xfs = []
        for xf in styles.findall("m:cellXfs/m:xf", NS):
            self.xfs.append(
                {
                    "numfmt": fmts.get(int(xf.get("numFmtId", "0"))),
                    "bold": self.fonts[int(xf.get("fontId", "0"))].find("m:b", NS) is not None,
                    "fill": self.fills[int(xf.get("fillId", "0"))].find("m:patternFill", NS).get("patternType"),
                }
            )

    def xml(self, part):
        return ET.fromstring(self.zip.read(part))

    def sheet(self, index):
        return self.xml(self.sheets[index][1])

    def cells(self, index):
        """{ref: (value, type, style dict)} of sheet INDEX."""
        out = {}
        for c in self.sheet(index).iter("{%s}c" % NS["m"]):
            t = c.get("t", "n")
            if t == "inlineStr":
                v = "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
            else:
                e = c.find("m:v", NS)
                v = float(e.text) if e is not None else None
            out[c.get("r")] = (v, t, self.xfs[int(c.get("s", "0"))], c.find("m:f", NS) is not None)
        return out


def run_driver(fmt, path, *extra):
    subprocess.run([DRIVER, fmt, path, *extra], check=True)


class TestXlsx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(dir=TMP)
        cls.path = os.path.join(cls.dir.name, "report.xlsx")
        run_driver("xlsx", cls.path, "10")  # 10 rows a sheet: the detail spreads over three
        cls.wb = Workbook(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.wb.zip.close()
        cls.dir.cleanup()

    def test_zip(self):
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(2), b"PK")
        self.assertIsNone(self.wb.zip.testzip())
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o600)

    def test_sheet_names(self):
        names = [n for n, _ in self.wb.sheets]
        self.assertEqual(
            names, ["概览", DETAIL, DETAIL[:27] + " (2)", DETAIL[:27] + " (3)", "概览 (2)", "history_"]
        )
        for n in names:
            self.assertLessEqual(len(n), 31)
            self.assertFalse(set(n) & set("[]:*?/\\"))

    def test_title_and_header(self):
        cells = self.wb.cells(0)
        title = cells["A1"]
        self.assertEqual(title[0], "物业服务中心 2026年3月 月报 (2026-02-26 至 2026-03-25)")
        self.assertTrue(title[2]["bold"])
        headers = ["指标", "数量", "金额(元)", "满意率", "平均时长(小时)", "最后更新"]
        for i, h in enumerate(headers):
            v, t, style, _ = cells["ABCDEF"[i] + "2"]
            self.assertEqual((v, t), (h, "inlineStr"))
            self.assertTrue(style["bold"], h)
            self.assertEqual(style["fill"], "solid", h)

    def test_numbers_and_formats(self):
        cells = self.wb.cells(0)
        self.assertEqual(cells["A3"][:2], ("报修", "inlineStr"))
        expect = {
            "B3": (1234, "#,##0"),
            "C3": (1234567.89, "#,##0.00"),  # 123456789 fen as yuan
            "D3": (0.875, "0.0%"),
            "E3": (12.5, "#,##0.0"),
            "B4": (0, "#,##0"),
            "C4": (-12.34, "#,##0.00"),
        }
        for ref, (value, fmt) in expect.items():
            v, t, style, _ = cells[ref]
            self.assertEqual(t, "n", ref)
            self.assertAlmostEqual(v, value, places=9, msg=ref)
            self.assertEqual(style["numfmt"], fmt, ref)
        # 2026-03-25 14:30 in Shanghai as an Excel serial date
        v, t, style, _ = cells["F3"]
        self.assertEqual(style["numfmt"], "yyyy-mm-dd hh:mm")
        self.assertAlmostEqual(v, 46106 + (14 * 60 + 30) / 1440, places=6)
        self.assertNotIn("D4", cells)  # NaN: empty
        self.assertNotIn("F4", cells)  # padded

    def test_frozen_header_and_autofilter(self):
        for index, split, ref in ((0, "2", "A2:F4"), (1, "1", "A1:C10"), (3, "1", "A1:C8")):
            sheet = self.wb.sheet(index)
            pane = sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
            self.assertEqual(pane.get("state"), "frozen")
            self.assertEqual(pane.get("ySplit"), split)
            self.assertEqual(sheet.find("m:autoFilter", NS).get("ref"), ref)

    def test_widths(self):
        cols = self.wb.sheet(1).findall("m:cols/m:col", NS)
        widths = [float(c.get("width")) for c in cols]
        self.assertEqual(len(widths), 3)
        self.assertAlmostEqual(widths[1], 30, delta=1)  # given
        self.assertGreaterEqual(widths[0], 12)  # default for text
        # "平均时长(小时)": 6 wide characters and 2 narrow ones, plus the filter button
        e = self.wb.sheet(0).findall("m:cols/m:col", NS)[4]
        self.assertGreaterEqual(float(e.get("width")), 17)

    def test_continuation_sheets(self):
        seen = []
        for index in (1, 2, 3):
            cells = self.wb.cells(index)
            self.assertEqual([cells[r][0] for r in ("A1", "B1", "C1")], ["工单号", "标题", "费用"])
            rows = sorted((int(r[1:]), v[0]) for r, v in cells.items() if r[0] == "A" and r != "A1")
            self.assertLessEqual(rows[-1][0], 10)
            seen += [v for _, v in rows]
        self.assertEqual(seen, ["T-%04d" % i for i in range(1, 26)])
        # text that looks like a formula is a string in a workbook, never a formula
        b2 = self.wb.cells(1)["B2"]
        self.assertEqual(b2[:2], ('=HYPERLINK("x")', "inlineStr"))
        self.assertFalse(b2[3])
        self.assertAlmostEqual(self.wb.cells(3)["C8"][0], 25.0)

    def test_long_text_cut(self):
        # 20,000 × "水" is 60,000 bytes; a cell holds 32,767: cut at a character
        v, t, _, _ = self.wb.cells(5)["A2"]
        self.assertEqual(t, "inlineStr")
        self.assertEqual(v, "水" * (32767 // 3))

    def test_properties(self):
        core = self.wb.xml("docProps/core.xml")
        self.assertEqual(core.find("dc:title", NS).text, "物业服务中心 2026年3月 月报 (2026-02-26 至 2026-03-25)")
        self.assertEqual(core.find("dc:creator", NS).text, "kefu")


class TestCsv(unittest.TestCase):
    def test_read_back(self):
        with tempfile.TemporaryDirectory(dir=TMP) as d:
            path = os.path.join(d, "report.csv")
            run_driver("csv", path)
            with open(path, "rb") as f:
                data = f.read()
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
        self.assertEqual(rows[0], ["物业服务中心 2026年3月 月报 (2026-02-26 至 2026-03-25)"])
        self.assertEqual(rows[1], ["指标", "数量", "金额(元)", "满意率", "平均时长(小时)", "最后更新"])
        self.assertEqual(rows[2], ["报修", "1234", "1234567.89", "87.5%", "12.5", "2026-03-25 14:30"])
        self.assertEqual(rows[3], ["投诉", "0", "-12.34", "", "", ""])
        self.assertEqual(rows[4], [])
        self.assertEqual(rows[5], ["工单明细:2026/03 [全部] 的工单明细以及所有的附加信息"])
        self.assertEqual(rows[6], ["工单号", "标题", "费用"])
        self.assertEqual(rows[7], ["T-0001", "'=HYPERLINK(\"x\")", "1.00"])
        self.assertEqual(len(rows), 7 + 25 + 7)
        self.assertEqual(rows[-1], ["水" * 20000])  # CSV has no cell limit
        self.assertEqual(rows[-3:-1], [["'history'"], ["说明"]])


if __name__ == "__main__":
    DRIVER, TMP = sys.argv[1], sys.argv[2]
    os.makedirs(TMP, exist_ok=True)
    unittest.main(argv=sys.argv[:1], verbosity=2)
