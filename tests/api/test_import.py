"""Imports of units and people from CSV (POST /api/v1/imports, `kefu import`):
UTF-8 and GB18030 detected, every bad row reported with its line and column,
nothing written unless every row is good (or skip_invalid), dry runs write
nothing, broken files refused as a whole."""
import os
import unittest

from harness import ServerTestCase, run_kefu, tmpdir

UNITS_HEADER = "楼栋,单元,楼层,房号,面积,状态\r\n"


class Import(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.admin_client()
        for code in ("1", "2"):
            r = admin.post("/api/v1/buildings", {"project_id": 1, "code": code,
                                                 "name": "%s号楼" % code})
            assert r.status in (201, 409), r.text()

    @classmethod
    def admin_client(cls):
        return cls.server.login("admin")

    def setUp(self):
        self.c = self.login("agent")

    def upload(self, kind, data, encoding="utf-8", client=None, **query):
        body = data.encode(encoding) if isinstance(data, str) else data
        q = {"kind": kind, "project_id": 1}
        q.update(query)
        return (client or self.c).request("POST", "/api/v1/imports", body=body, query=q,
                                          headers={"Content-Type": "text/csv"})

    def unit_count(self):
        r = self.c.get("/api/v1/units", query={"project_id": 1, "limit": 500})
        self.assertStatus(r, 200)
        return len(r.json()["items"])

    def test_gb18030_file_is_detected_and_imported(self):
        before = self.unit_count()
        csv = UNITS_HEADER + "1,1,3,301,88.50,occupied\r\n1,1,3,302,90,vacant\r\n"
        r = self.upload("units", csv, "gb18030")
        self.assertStatus(r, 200)
        rep = r.json()
        self.assertEqual(rep["encoding"], "GB18030")
        self.assertEqual((rep["rows"], rep["written"], rep["invalid_rows"]), (2, 2, 0))
        self.assertEqual(self.unit_count(), before + 2)
        units = self.c.get("/api/v1/units", query={"code": "1-1-301"}).json()["items"]
        self.assertEqual(len(units), 1)
        self.assertEqual(units[0]["area"], 88.5)
        self.assertEqual(units[0]["status"], "occupied")

    def test_utf8_with_bom(self):
        r = self.upload("units", "\ufeff" + UNITS_HEADER + "2,1,1,101,50,\r\n")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["encoding"], "UTF-8 with BOM")
        self.assertEqual(r.json()["written"], 1)

    def test_bad_rows_are_reported_and_nothing_is_written(self):
        before = self.unit_count()
        head = self.audit_head()
        csv = (UNITS_HEADER + "1,2,1,101,80,occupied\r\n"  # good
               "1,2,1,102,-5,occupied\r\n"                  # negative area
               "9,2,1,103,80,occupied\r\n"                  # unknown building
               "1,2,1,104,80,sold\r\n")                     # unknown status
        r = self.upload("units", csv)
        self.assertError(r, 422, "import_failed")
        rep = r.json()["error"]["report"]
        self.assertEqual((rep["rows"], rep["invalid_rows"], rep["written"]), (4, 3, 0))
        by_line = {(e["line"], e["field"]): e for e in rep["errors"]}
        self.assertEqual(by_line[(3, "area")]["column"], 5)
        self.assertEqual(by_line[(4, "building")]["reason"], "unknown_building")
        self.assertEqual(by_line[(4, "building")]["column"], 1)
        self.assertEqual(by_line[(5, "status")]["reason"], "not_in_list")
        self.assertEqual(self.unit_count(), before)  # the good row was not kept either
        self.assertEqual(self.audit_head(), head)

    def test_skip_invalid_keeps_the_good_rows(self):
        before = self.unit_count()
        csv = UNITS_HEADER + "1,3,1,101,80,occupied\r\n1,3,1,102,abc,occupied\r\n"
        r = self.upload("units", csv, skip_invalid=1)
        self.assertStatus(r, 200)
        rep = r.json()
        self.assertEqual((rep["written"], rep["invalid_rows"]), (1, 1))
        self.assertEqual(rep["errors"][0]["line"], 3)
        self.assertEqual(self.unit_count(), before + 1)
        entries = self.audit_since(self.audit_head() - 1, entity="import")
        self.assertTrue(entries)

    def test_dry_run_writes_nothing(self):
        before = self.unit_count()
        r = self.upload("units", UNITS_HEADER + "1,4,1,101,80,occupied\r\n", dry_run=1)
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["rows"], r.json()["written"], r.json()["dry_run"]), (1, 0, True))
        self.assertEqual(self.unit_count(), before)

    def test_duplicate_unit_code_in_the_file(self):
        before = self.unit_count()
        csv = UNITS_HEADER + "1,5,1,101,80,\r\n1,5,1,101,81,\r\n"
        r = self.upload("units", csv)
        self.assertError(r, 422, "import_failed")
        errors = r.json()["error"]["report"]["errors"]
        self.assertEqual([(e["line"], e["field"], e["reason"]) for e in errors],
                         [(3, "code", "taken")])
        self.assertEqual(self.unit_count(), before)

    def test_broken_files_are_refused_whole(self):
        cases = [
            ("", "import_empty"),
            (UNITS_HEADER, "import_empty"),
            ("楼栋,单元,楼层,房号\r\n1,1,1,101\r\n", "import_missing_column"),
            (UNITS_HEADER + '1,1,1,"101,80\r\n', "csv_truncated"),
            (b"PK\x03\x04\x14\x00\x00\x00binary xlsx", "import_not_csv"),
            (b"building,area\r\n\x80\x80 not text\r\n", "import_unknown_encoding"),
        ]
        before = self.unit_count()
        for data, reason in cases:
            r = self.upload("units", data)
            self.assertError(r, 422, "import_failed", msg=repr(data)[:40])
            rep = r.json()["error"]["report"]
            self.assertEqual(rep["errors"][0]["reason"], reason, repr(data)[:40])
            self.assertTrue(rep["errors"][0]["message"])
        self.assertEqual(self.unit_count(), before)

    def test_missing_column_is_named(self):
        r = self.upload("units", "楼栋,单元,楼层,房号\r\n1,1,1,101\r\n")
        err = r.json()["error"]["report"]["errors"][0]
        self.assertIn("area", err["field"])
        self.assertIn("面积", err["field"])

    def test_people_with_mobiles_id_numbers_and_units(self):
        self.assertStatus(self.upload("units", UNITS_HEADER + "2,7,1,101,60,occupied\r\n"), 200)
        csv = ("姓名,手机,身份证号,房屋编号,身份\r\n"
               "赵导入,13900139000,11010519491231002X,2-7-101,owner\r\n"
               "钱导入,139001390,,,\r\n")
        r = self.upload("people", csv, "gb18030")
        self.assertError(r, 422, "import_failed")
        err = r.json()["error"]["report"]["errors"]
        self.assertEqual([(e["line"], e["reason"]) for e in err], [(3, "invalid_mobile")])
        r = self.upload("people", csv, "gb18030", skip_invalid=1)
        self.assertStatus(r, 200)
        found = self.c.get("/api/v1/lookup", query={"q": "13900139000"}).json()["people"]
        self.assertEqual([p["name"] for p in found], ["赵导入"])
        self.assertEqual(found[0]["mobiles"], ["139****9000"])
        self.assertEqual([u["code"] for u in found[0]["units"]], ["2-7-101"])
        self.assertNotIn("13900139000", r.text)

    def test_query_parameters_are_checked(self):
        for q, field in (({"kind": "cars", "project_id": 1}, "kind"),
                         ({"project_id": 1}, "kind"),
                         ({"kind": "units"}, "project_id"),
                         ({"kind": "units", "project_id": 999}, "project_id")):
            r = self.c.request("POST", "/api/v1/imports", body=UNITS_HEADER.encode(), query=q,
                               headers={"Content-Type": "text/csv"})
            self.assertValidation(r, field)

    def test_roles_without_records_write_may_not_import(self):
        tech = self.login("technician")
        r = self.upload("units", UNITS_HEADER + "1,8,1,101,60,\r\n", client=tech)
        self.assertError(r, 403, "forbidden")


class ImportCommand(ServerTestCase):
    def test_cli_import_reports_and_writes(self):
        admin = self.server.login("admin")
        self.assertIn(admin.post("/api/v1/buildings", {"project_id": 1, "code": "9",
                                                        "name": "9号楼"}).status, (201, 409))
        d = tmpdir("imp-")
        bad = os.path.join(d, "bad.csv")
        with open(bad, "w", encoding="gb18030") as f:
            f.write(UNITS_HEADER + "9,1,1,101,80,\r\n9,1,1,102,0,\r\n")
        rc, out, err = run_kefu(["import", "units", bad, "--project", "1",
                                 "--db", self.server.db.url])
        self.assertEqual(rc, 1, out + err)
        self.assertIn("line 3, column 5", out)
        self.assertIn("GB18030", out)
        good = os.path.join(d, "good.csv")
        with open(good, "w", encoding="utf-8") as f:
            f.write(UNITS_HEADER + "9,1,1,101,80,\r\n")
        rc, out, err = run_kefu(["import", "units", good, "--project", "1",
                                 "--db", self.server.db.url])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("1 written", out)
        units = admin.get("/api/v1/units", query={"code": "9-1-101"}).json()["items"]
        self.assertEqual(len(units), 1)


if __name__ == "__main__":
    unittest.main()
