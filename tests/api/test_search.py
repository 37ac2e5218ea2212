"""Service desk II, Chinese full-text search (工单检索): GET /api/v1/tickets?q= finds tickets by
the words of their subject, description and timeline notes — a two-character word such as 漏水
inside a sentence, a longer word only where its characters stand together, every word of the
query — combined with the queues and filters, within the caller's projects, newest first and
paged; edits and notes are found at once; `kefu reindex` rebuilds the index. An empty or
enormous query is refused.
"""
import os
import subprocess
import time

from harness import DEMO_PASSWORD
from test_records import mk_project
from test_ticket_flow import DeskCase


class Search(DeskCase):
    def prepare(self):
        type(self).d = self.dept("property", members=("technician",))

    def find(self, q, client=None, expect=200, **query):
        r = (client or self.as_("agent")).get("/api/v1/tickets", query=dict(query, q=q))
        if expect != 200:
            return r
        self.assertStatus(r, 200, q)
        return [t["id"] for t in r.json()["items"]]

    def test_two_character_word_inside_sentences(self):
        leak = self.create(subject="业主反映卫生间漏水", department_id=self.d)
        desc = self.create(subject="报修", description="厨房水管一直在漏水，楼下天花板已经湿了",
                           department_id=self.d)
        seep = self.create(subject="外墙渗水", department_id=self.d)
        other = self.create(subject="楼道灯不亮", department_id=self.d)
        got = self.find("漏水")
        self.assertEqual([i for i in got if i in (leak["id"], desc["id"], seep["id"],
                                                  other["id"])], [desc["id"], leak["id"]])
        self.assertIn(seep["id"], self.find("渗水"))
        self.assertNotIn(seep["id"], self.find("漏水"))
        self.assertEqual(self.find("楼道灯"), [other["id"]])
        # a longer word is found only where its characters stand together
        self.assertEqual(self.find("卫生间漏水"), [leak["id"]])
        self.assertEqual(self.find("厨房漏水"), [])
        # every word must be there; spaces of Chinese input methods separate words too
        self.assertEqual(self.find("厨房 漏水"), [desc["id"]])
        self.assertEqual(self.find("厨房\u3000漏水"), [desc["id"]])
        self.assertEqual(self.find("厨房 渗水"), [])
        # the answer is the list's summary
        item = self.as_("agent").get("/api/v1/tickets", query={"q": "卫生间"}).json()["items"][0]
        self.assertEqual((item["id"], item["subject"], item["status"]),
                         (leak["id"], "业主反映卫生间漏水", "dispatched"))

    def test_letters_and_digits(self):
        t = self.create(subject="3栋A101室WiFi信号差", department_id=self.d)
        self.assertIn(t["id"], self.find("wifi"))
        self.assertIn(t["id"], self.find("A101"))
        self.assertIn(t["id"], self.find("Ａ１０１"))          # fullwidth, as some IMEs type it
        self.assertIn(t["id"], self.find("WIFI 信号"))
        self.assertNotIn(t["id"], self.find("A102"))

    def test_edits_and_notes_are_found_at_once(self):
        t = self.create(subject="门禁卡失灵", department_id=self.d)
        self.assertEqual(self.find("门禁卡"), [t["id"]])
        r = self.as_("agent").request("PATCH", "/api/v1/tickets/%d" % t["id"], json_body={
            "subject": "单元门对讲机故障", "version": t["version"]})
        self.assertStatus(r, 200)
        self.assertEqual(self.find("门禁卡"), [])
        self.assertEqual(self.find("对讲机"), [t["id"]])
        # a note, a transition's note and the resolution are searched with the ticket
        r = self.as_("agent").post("/api/v1/tickets/%d/notes" % t["id"],
                                   {"note": "已联系厂家，配件下周到货"})
        self.assertStatus(r, 200)
        self.assertEqual(self.kinds(t["id"])[-1], "note")
        self.assertEqual(self.find("厂家 配件"), [t["id"]])
        tech = self.as_("technician")
        t = self.ticket(t["id"])
        self.move(t["id"], "acknowledged", tech, version=t["version"])
        t = self.move(t["id"], "contacted", tech, version=self.ticket(t["id"])["version"])
        self.move(t["id"], "resolved", tech, version=t["version"], resolution="更换主板后恢复正常")
        self.assertEqual(self.find("主板"), [t["id"]])
        self.assertEqual(self.find("对讲机 主板 厂家"), [t["id"]])
        # an empty or missing note is refused and adds nothing
        before = self.kinds(t["id"])
        r = self.as_("agent").post("/api/v1/tickets/%d/notes" % t["id"], {"note": ""})
        self.assertValidation(r, "note")
        self.assertEqual(self.kinds(t["id"]), before)

    def test_with_queues_and_filters(self):
        mine = self.create(subject="地下车库漏水", department_id=self.d,
                           assignee_id=self.uid("technician"))
        pool = self.create(subject="地下车库漏水严重")                # no department: unassigned
        closed = self.create(subject="地下车库漏水已处理", department_id=self.d)
        self.move(closed["id"], "cancelled", note="重复报修", version=closed["version"])
        tech = self.as_("technician")
        self.assertIn(mine["id"], self.find("车库", tech, queue="mine"))
        self.assertNotIn(pool["id"], self.find("车库", tech, queue="mine"))
        got = self.find("车库", queue="unassigned", project_id=1)
        self.assertIn(pool["id"], got)
        self.assertNotIn(mine["id"], got)
        got = self.find("车库", status="cancelled")
        self.assertEqual([i for i in got if i in (mine["id"], pool["id"], closed["id"])],
                         [closed["id"]])
        got = self.find("车库", queue="department", department_id=self.d)
        self.assertIn(mine["id"], got)
        self.assertNotIn(closed["id"], got)
        # newest first, paged by the cursor
        more = [self.create(subject="车库照明不足 %d" % i)["id"] for i in range(5)]
        seen = self.every_page("车库", 2)
        self.assertEqual(seen[:5], more[::-1])
        self.assertEqual(seen, sorted(seen, reverse=True))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue({mine["id"], pool["id"], closed["id"]} <= set(seen))

    def every_page(self, q, limit):
        """The ids of every page of search Q, LIMIT a page, following the cursor."""
        seen, query = [], {"q": q, "limit": limit}
        while True:
            page = self.as_("agent").get("/api/v1/tickets", query=query).json()
            seen += [t["id"] for t in page["items"]]
            if not page["next_cursor"]:
                return seen
            query["cursor"] = page["next_cursor"]

    def note(self, tid, text):
        self.assertStatus(self.as_("agent").post("/api/v1/tickets/%d/notes" % tid,
                                                 {"note": text}), 200, text)

    def test_words_across_the_subject_and_many_notes(self):
        # on SQLite new notes wait beside the ticket's document, sixteen at most (forty-two
        # notes: two joins and ten waiting); a search finds the ticket whose document and
        # notes hold every word between them, once, on both ways of answering
        pump = self.create(subject="地下室排水泵故障", department_id=self.d)
        light = self.create(subject="地下室照明故障", department_id=self.d)
        self.note(pump["id"], "业主要求尽快处理")
        for _ in range(40):
            self.note(pump["id"], "电话回访，等待配件到货")
        self.note(pump["id"], "维修师傅已更换浮球开关")
        self.note(light["id"], "已更换灯管")
        ours = (pump["id"], light["id"])
        for queue in ({}, {"queue": "department", "department_id": self.d}):
            def find(q):
                return [i for i in self.find(q, **queue) if i in ours]
            self.assertEqual(find("排水泵 浮球"), [pump["id"]], queue)   # the head and a note
            self.assertEqual(find("业主要求 浮球开关"), [pump["id"]], queue)  # two notes
            self.assertEqual(find("等待配件"), [pump["id"]], queue)   # forty notes, one ticket
            self.assertEqual(find("照明 浮球"), [], queue)            # in two tickets
            self.assertEqual(find("更换 故障"), [light["id"], pump["id"]], queue)
            self.assertEqual(find("灯管 排水泵"), [], queue)
        # paged by the cursor, a ticket found in its document and its waiting notes comes once
        seen = self.every_page("地下室", 1)
        self.assertEqual([i for i in seen if i in ours], [light["id"], pump["id"]])

    def test_notes_stay_found_when_the_ticket_ends_and_after_a_reindex(self):
        # on SQLite a ticket's newest notes wait in rows of their own and join its document when
        # it ends (or sixteen at a time, as above); whichever, a search finds the same
        t = self.create(subject="水泵房异响", department_id=self.d)
        self.note(t["id"], "已通知维保单位")
        self.note(t["id"], "更换轴承后正常")
        self.assertEqual(self.find("异响 轴承"), [t["id"]])
        self.move(t["id"], "cancelled", note="业主撤销报修", version=self.ticket(t["id"])["version"])
        for q in ("异响 轴承", "维保单位", "撤销 维保", "异响"):
            self.assertEqual(self.find(q, status="cancelled"), [t["id"]], q)
        self.note(t["id"], "业主再次来电确认")               # a later call, on the ended ticket
        self.assertEqual(self.find("再次来电 轴承", status="cancelled"), [t["id"]])
        p = subprocess.run([os.environ["KEFU_BIN"], "reindex", "--db", self.db.url],
                           capture_output=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        for q in ("异响 轴承", "再次来电 撤销", "维保单位"):
            self.assertEqual(self.find(q, status="cancelled"), [t["id"]], q)

    def test_only_the_callers_projects(self):
        admin = self.as_("admin")
        p2 = mk_project(admin)["id"]
        hidden = self.create(admin, project_id=p2, subject="电梯困人紧急")
        shown = self.create(subject="电梯困人")
        self.assertEqual(self.find("困人"), [shown["id"]])
        self.assertEqual(self.find("困人", admin), [shown["id"], hidden["id"]])
        self.assertEqual(self.find("困人", admin, project_id=p2), [hidden["id"]])
        r = self.find("困人", expect=None, project_id=p2)
        self.assertReasonKey(r, "project_id", "unknown_project")
        resident = self.as_("resident")
        r = resident.get("/api/v1/tickets", query={"q": "困人"})
        self.assertError(r, 403, "forbidden")

    def test_bad_queries(self):
        self.create(subject="草坪枯黄")
        for q in ("", "   ", "，。！？", "\u3000"):
            self.assertReasonKey(self.find(q, expect=None), "q", "no_search_terms")
        self.assertReasonKey(self.find("漏" * 101, expect=None), "q", "too_long")
        self.assertStatus(self.as_("agent").get("/api/v1/tickets", query={"q": "漏" * 100}), 200)
        self.assertReasonKey(self.find("草坪", expect=None, queue="nope"), "queue", "not_in_list")
        # quotes and operators are words like any other, never query syntax
        for q in ('"草坪', "草坪 OR 枯黄", "草坪*", "NEAR(草坪)", "草坪' & '", "-草坪", "草坪:*"):
            r = self.find(q, expect=None)
            self.assertStatus(r, 200, q)
        zh = self.server.login("agent", DEMO_PASSWORD, lang="zh-CN")
        r = zh.get("/api/v1/tickets", query={"q": "？"})
        self.assertIn("搜索", r.json()["error"]["fields"]["q"])

    def test_reindex_rebuilds_from_the_tickets(self):
        t = self.create(subject="绿化带杂草丛生")
        self.db.execute("UPDATE tickets SET subject = '地库积水严重' WHERE id = %d" % t["id"])
        self.assertEqual(self.find("积水"), [])                 # changed behind the server's back
        p = subprocess.run([os.environ["KEFU_BIN"], "reindex", "--db", self.db.url],
                           capture_output=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"reindexed", p.stdout)
        self.assertEqual(self.find("积水"), [t["id"]])
        self.assertEqual(self.find("杂草"), [])

    def segments(self):
        """The FTS5 segments of the two SQLite search tables: a segment's pages have rowids
        of its id times 2^37 (FTS5's own layout, fts5_index.c)."""
        return [int(self.db.scalar("SELECT COUNT(DISTINCT id >> 37) FROM %s_data"
                                   " WHERE id >= 137438953472" % t))
                for t in ("ticket_search", "ticket_search_recent")]

    def test_the_index_is_merged_while_the_server_is_idle(self):
        if self.db.kind != "sqlite":
            return  # PostgreSQL's GIN index merges its pending list itself
        # each write of a new ticket or a note adds a segment to the index; FTS5 no longer
        # merges them inside a commit, the writer does when it has nothing else to do
        made = []
        for i in range(42):
            t = self.create(subject="消防通道堆放杂物 %d" % i, department_id=self.d)
            r = self.as_("agent").post("/api/v1/tickets/%d/notes" % t["id"],
                                       {"note": "已通知保洁清理楼道杂物"})
            self.assertStatus(r, 200)
            made.append(t["id"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and max(self.segments()) > 6:
            time.sleep(0.1)
        # without the writer's merges there were 12 in each: FTS5 merges a level on its own
        # only once it has 16
        self.assertLessEqual(max(self.segments()), 6, self.segments())
        self.assertEqual(set(made) - set(self.find("消防通道", limit=100)), set())
        self.assertEqual(set(made) - set(self.find("保洁清理", limit=100)), set())
