"""Service desk II, follow-up calls (回访) under /api/v1/tickets/{id}/follow-ups: only a
resolved ticket is called back; satisfied closes it, not satisfied reopens it to its
department (the comment is required, the reopen counted); every call is kept with its
scores; the "waiting follow-up" queue lists resolved tickets and its count is maintained.
"""
from test_ticket_flow import DeskCase


class FollowUps(DeskCase):
    START = "2027-03-01 10:00"

    def prepare(self):
        type(self).d = self.dept("property", mode="round_robin", members=("technician",))

    def resolved(self):
        t = self.create(type="repair", category_id=self.cat("door_window"), department_id=self.d)
        for to in ("acknowledged", "contacted"):
            self.move(t["id"], to)
        return self.move(t["id"], "resolved", resolution="已更换门锁")

    def call(self, tid, expect=200, **body):
        r = self.as_("agent").post("/api/v1/tickets/%d/follow-ups" % tid, body)
        if expect:
            self.assertStatus(r, expect)
        return r

    def waiting(self):
        return [t["id"] for t in self.queue("follow_up")]

    def test_unsatisfied_reopens_then_satisfied_closes(self):
        before = self.counts()["follow_up"]
        t = self.resolved()
        tid = t["id"]
        self.assertIn(tid, self.waiting())
        self.assertEqual(self.counts()["follow_up"], before + 1)
        r = self.call(tid, satisfied=False, score_overall=2, score_timeliness=3,
                      score_attitude=4, comment="门还是关不严").json()
        self.assertEqual((r["status"], r["reopen_count"], r["is_open"]), ("reopened", 1, True))
        self.assertNotIn(tid, self.waiting())
        self.assertEqual(self.counts()["follow_up"], before)
        self.assertEqual([k for k in self.kinds(tid)][-2:], ["follow_up", "status"])
        self.move(tid, "resolved", resolution="更换合页")
        self.assertIn(tid, self.waiting())
        r = self.call(tid, satisfied=True, score_overall=5).json()
        self.assertEqual((r["status"], r["is_open"], r["first_time_close"]),
                         ("closed", False, False))
        self.assertEqual(self.clock(r, "follow_up")["state"], "met")
        self.assertEqual(self.counts()["follow_up"], before)
        calls = self.as_("admin").get("/api/v1/tickets/%d/follow-ups" % tid).json()["items"]
        self.assertEqual([(c["satisfied"], c["score_overall"], c["score_timeliness"],
                           c["score_attitude"], c["comment"]) for c in calls],
                         [(False, 2, 3, 4, "门还是关不严"), (True, 5, None, None, "")])
        self.assertEqual(calls[0]["done_by"], self.uid("agent"))

    def test_satisfied_first_time_is_a_first_time_close(self):
        t = self.resolved()
        r = self.call(t["id"], satisfied=True, score_overall=4, comment="满意").json()
        self.assertEqual((r["status"], r["first_time_close"]), ("closed", True))

    def test_bad_calls_change_nothing(self):
        open_ = self.create(type="repair", category_id=self.cat("door_window"),
                            department_id=self.d)
        r = self.call(open_["id"], expect=None, satisfied=True, score_overall=5)
        self.assertError(r, 409, "not_resolved")
        t = self.resolved()
        for body, field in (({"satisfied": True, "score_overall": 0}, "score_overall"),
                            ({"satisfied": True, "score_overall": 6}, "score_overall"),
                            ({"satisfied": True}, "score_overall"),
                            ({"score_overall": 3}, "satisfied"),
                            ({"satisfied": False, "score_overall": 1}, "comment"),
                            ({"satisfied": True, "score_overall": 3, "score_attitude": 9},
                             "score_attitude")):
            self.assertReasonKey(self.call(t["id"], expect=None, **body), field)
        self.assertEqual(self.ticket(t["id"])["status"], "resolved")
        self.assertEqual(self.as_("admin").get(
            "/api/v1/tickets/%d/follow-ups" % t["id"]).json()["items"], [])
        self.assertEqual(self.db.scalar("SELECT COUNT(*) FROM follow_ups WHERE ticket_id IN (%d, %d)"
                                        % (t["id"], open_["id"])), "0")
