"""Service desk II, related tickets (关联工单) under /api/v1/tickets/{id}/links: two tickets of
one project are linked (both list each other, both timelines say so) and unlinked; a link to
itself, to a ticket of another project or one the caller cannot see, or a second link of the
same pair is refused and changes nothing.
"""
from test_records import mk_project
from test_ticket_flow import DeskCase


class Links(DeskCase):
    def prepare(self):
        type(self).d = self.dept("property")

    def links(self, tid, client=None):
        r = (client or self.as_("agent")).get("/api/v1/tickets/%d/links" % tid)
        self.assertStatus(r, 200)
        return [x["ticket_id"] for x in r.json()["items"]]

    def link(self, tid, other, expect=201):
        r = self.as_("agent").post("/api/v1/tickets/%d/links" % tid, {"ticket_id": other})
        if expect:
            self.assertStatus(r, expect)
        return r

    def test_link_and_unlink(self):
        a = self.create(department_id=self.d, subject="3 栋楼顶渗水")
        b = self.create(department_id=self.d, subject="3 栋 1801 天花板滴水")
        r = self.link(a["id"], b["id"]).json()
        self.assertEqual((r["ticket_id"], r["other_id"]), (a["id"], b["id"]))
        self.assertEqual((self.links(a["id"]), self.links(b["id"])), ([b["id"]], [a["id"]]))
        item = self.as_("agent").get("/api/v1/tickets/%d/links" % a["id"]).json()["items"][0]
        self.assertEqual((item["subject"], item["status"]), ("3 栋 1801 天花板滴水", "dispatched"))
        for t, other in ((a, b), (b, a)):
            ev = [e for e in self.events(t["id"]) if e["kind"] == "linked"]
            self.assertEqual([e["data"] for e in ev], [{"ticket_id": other["id"]}])
        self.assertError(self.link(b["id"], a["id"], expect=None), 409, "already_linked")
        r = self.as_("agent").request("DELETE", "/api/v1/tickets/%d/links/%d" % (b["id"], a["id"]))
        self.assertStatus(r, 204)
        self.assertEqual((self.links(a["id"]), self.links(b["id"])), ([], []))
        self.assertEqual(self.kinds(a["id"])[-1], "unlinked")
        r = self.as_("agent").request("DELETE", "/api/v1/tickets/%d/links/%d" % (b["id"], a["id"]))
        self.assertError(r, 404, "not_found")

    def test_bad_links_change_nothing(self):
        a = self.create(department_id=self.d)
        admin = self.as_("admin")
        p2 = mk_project(admin)["id"]
        elsewhere = self.create(admin, project_id=p2)       # the agent does not see p2
        self.assertReasonKey(self.link(a["id"], a["id"], expect=None), "ticket_id", "same_ticket")
        self.assertReasonKey(self.link(a["id"], elsewhere["id"], expect=None), "ticket_id",
                             "unknown_reference")
        self.assertReasonKey(self.link(a["id"], 999999, expect=None), "ticket_id",
                             "unknown_reference")
        r = admin.post("/api/v1/tickets/%d/links" % a["id"], {"ticket_id": elsewhere["id"]})
        self.assertReasonKey(r, "ticket_id", "other_project")
        r = self.as_("agent").post("/api/v1/tickets/%d/links" % elsewhere["id"],
                                   {"ticket_id": a["id"]})
        self.assertError(r, 404, "not_found")
        self.assertEqual(self.links(a["id"]), [])
        self.assertEqual(self.links(elsewhere["id"], admin), [])
        self.assertNotIn("linked", self.kinds(a["id"]))
