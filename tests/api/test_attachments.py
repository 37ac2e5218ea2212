"""Service desk II, attachments (附件) under /api/v1/tickets/{id}/attachments and
/api/v1/attachments/{id}: JPEG, PNG, WebP and PDF up to 10 MB, the type judged by the
content; the bytes kept once per content (SHA-256) in the files directory; listing and
download only for those who may see the ticket; an upload that lies about its type, is
none of the four, is empty or too large is refused with nothing stored.
"""
import hashlib
import os
import struct
import zlib

from test_records import mk_project
from test_ticket_flow import DeskCase


def png(width=2, height=1, extra=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk + extra


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
VP8 = b"\x30\x01\x00\x9d\x01\x2a\x01\x00\x01\x00" + b"\x00" * 8
WEBP = b"RIFF" + struct.pack("<I", 4 + 8 + len(VP8)) + b"WEBP" + b"VP8 " + \
    struct.pack("<I", len(VP8)) + VP8


class Attachments(DeskCase):
    def prepare(self):
        type(self).d = self.dept("engineering")

    def upload(self, tid, data, name, ctype, client=None, expect=201):
        r = (client or self.as_("agent")).request(
            "POST", "/api/v1/tickets/%d/attachments" % tid, body=data, query={"filename": name},
            headers={"Content-Type": ctype})
        if expect is not None:
            self.assertStatus(r, expect)
        return r

    def stored_files(self):
        out = []
        for root, _, files in os.walk(self.server.files_dir):
            out += [f for f in files]
        return sorted(out)

    def test_each_type_is_kept_listed_and_served_as_uploaded(self):
        t = self.create(department_id=self.d)
        made = []
        for data, name, ctype in ((JPEG, "卫生间渗水.jpg", "image/jpeg"), (png(), "裂缝.png", "image/png"),
                                  (WEBP, "墙面.webp", "image/webp"),
                                  (PDF, "维修报价单.pdf", "application/pdf")):
            a = self.upload(t["id"], data, name, ctype).json()
            self.assertEqual((a["ticket_id"], a["filename"], a["mime"], a["size_bytes"],
                              a["sha256"]),
                             (t["id"], name, ctype, len(data), hashlib.sha256(data).hexdigest()))
            made.append((a, data))
        listed = self.as_("agent").get("/api/v1/tickets/%d/attachments" % t["id"]).json()["items"]
        self.assertEqual([x["id"] for x in listed], [a["id"] for a, _ in made])
        for a, data in made:
            r = self.as_("technician").get(a["url"])
            self.assertStatus(r, 200)
            self.assertEqual((r.body, r.header("Content-Type")), (data, a["mime"]))
            disp = r.header("Content-Disposition")
            self.assertTrue(disp.startswith("inline" if a["mime"].startswith("image/")
                                            else "attachment"), disp)
            self.assertIn("filename*=UTF-8''", disp)
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        notes = [e["note"] for e in self.events(t["id"]) if e["kind"] == "attachment_added"]
        self.assertEqual(notes, [a["filename"] for a, _ in made])

    def test_a_name_is_refused_or_kept_harmless_in_its_header(self):
        t = self.create(department_id=self.d)
        for bad in ('报价"单.pdf', "报价\\单.pdf", "a/b.pdf", "报价\x01.pdf"):
            r = self.upload(t["id"], PDF, bad, "application/pdf", expect=422)
            self.assertIn("filename", r.json()["error"]["fields"], bad)
        # a percent sign and a semicolon: the plain filename= has no raw %, filename*= is exact
        a = self.upload(t["id"], PDF, "报价单; v2 %41.pdf", "application/pdf").json()
        disp = self.as_("agent").get(a["url"]).header("Content-Disposition")
        plain = disp.split('filename="', 1)[1].split('"', 1)[0]
        self.assertNotIn("%", plain)
        self.assertTrue(disp.endswith(
            "filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%3B%20v2%20%2541.pdf"), disp)

    def test_the_same_file_twice_is_stored_once(self):
        t = self.create(department_id=self.d)
        other = self.create(department_id=self.d)
        data = png(7, 7)
        before = self.stored_files()
        a = self.upload(t["id"], data, "a.png", "image/png").json()
        b = self.upload(other["id"], data, "b.png", "image/png").json()
        self.assertEqual(a["sha256"], b["sha256"])
        self.assertNotEqual(a["id"], b["id"])
        self.assertEqual(len(self.stored_files()) - len(before), 1)
        self.assertEqual(self.stored_files().count(a["sha256"]), 1)

    def test_bad_uploads_are_refused_and_store_nothing(self):
        t = self.create(department_id=self.d)
        before = (self.stored_files(), self.db.scalar("SELECT COUNT(*) FROM attachments"))
        cases = [
            (png(), "x.jpg", "image/jpeg", 415, "type_mismatch"),     # a PNG claiming JPEG
            (b"<html><script>alert(1)</script></html>", "a.jpg", "image/jpeg", 415,
             "unsupported_type"),
            (b"MZ\x90\x00" + b"\x00" * 100, "setup.pdf", "application/pdf", 415,
             "unsupported_type"),
            (b"", "empty.png", "image/png", 415, "unsupported_type"),
            (png()[:10], "cut.png", "image/png", 415, "unsupported_type"),
            (png(extra=b"\x00" * (10 * 1024 * 1024)), "big.png", "image/png", 413,
             "file_too_large"),
        ]
        for data, name, ctype, status, code in cases:
            r = self.upload(t["id"], data, name, ctype, expect=None)
            self.assertError(r, status, code)
        for name in ("", "../etc/passwd", "a\x01b.png", "x" * 201):
            r = self.upload(t["id"], png(), name, "image/png", expect=None)
            self.assertError(r, 422, "validation_failed")
        r = self.upload(999999, png(), "a.png", "image/png", expect=None)
        self.assertError(r, 404, "not_found")
        self.assertEqual((self.stored_files(), self.db.scalar("SELECT COUNT(*) FROM attachments")),
                         before)
        # exactly 10 MB is allowed
        data = png(extra=b"\x00" * (10 * 1024 * 1024 - len(png())))
        self.assertEqual(self.upload(t["id"], data, "max.png", "image/png").json()["size_bytes"],
                         10 * 1024 * 1024)

    def test_only_those_who_see_the_ticket_see_its_files(self):
        admin = self.as_("admin")
        p2 = mk_project(admin)["id"]
        t = self.create(admin, project_id=p2)            # the agent is not in project p2
        a = self.upload(t["id"], JPEG, "p2.jpg", "image/jpeg", client=admin).json()
        agent = self.as_("agent")
        self.assertError(agent.get(a["url"]), 404, "not_found")
        self.assertError(agent.get("/api/v1/tickets/%d/attachments" % t["id"]), 404, "not_found")
        self.assertError(self.upload(t["id"], JPEG, "x.jpg", "image/jpeg", expect=None), 404,
                         "not_found")
        self.assertStatus(admin.get(a["url"]), 200)
        self.assertError(self.client().get(a["url"]), 401, "unauthorized")
        self.assertError(agent.get("/api/v1/attachments/987654"), 404, "not_found")
