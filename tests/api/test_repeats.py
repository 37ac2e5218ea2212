"""Service desk II, repeats, chasers and first-time close (反复报修、催单、一次关闭): a repair or
complaint about the same unit and category as one taken in within the desk's repeat window
(default 30 days, GET/PATCH /api/v1/desk-settings) names the earlier ticket; POST
/api/v1/tickets/{id}/chase counts a customer's chaser, puts it on the timeline and tells the
handler; a closed ticket shows whether it closed without a reopen.
"""
from test_ticket_flow import DeskCase


class Repeats(DeskCase):
    START = "2027-03-01 10:00"

    def prepare(self):
        type(self).d = self.dept("property", mode="round_robin", members=("technician",))

    def leak(self, unit, **kw):
        kw.setdefault("category_id", self.cat("leak"))
        return self.create(type="repair", unit_id=unit["id"], department_id=self.d, **kw)

    def test_a_second_leak_within_the_window_is_a_repeat(self):
        unit, _ = self.household()
        first = self.leak(unit)
        self.assertIsNone(first["repeat_of"])
        self.set_clock(minutes=60 * 24 * 20)                  # 20 days on
        second = self.leak(unit)
        self.assertEqual(second["repeat_of"], first["id"])
        created = self.events(second["id"])[0]
        self.assertEqual((created["kind"], created["data"]["repeat_of"]), ("created", first["id"]))
        # another category, another unit, an inquiry: not repeats
        self.assertIsNone(self.leak(unit, category_id=self.cat("crack"))["repeat_of"])
        other, _ = self.household()
        self.assertIsNone(self.leak(other)["repeat_of"])
        self.assertIsNone(self.create(type="inquiry", unit_id=unit["id"],
                                      category_id=self.cat("leak"))["repeat_of"])
        # the latest of several is named, open or not; past the window nothing is
        third = self.leak(unit)
        self.assertEqual(third["repeat_of"], second["id"])
        self.move(third["id"], "cancelled", note="业主自行修好")
        self.assertEqual(self.leak(unit)["repeat_of"], third["id"])
        self.set_clock(minutes=60 * 24 * 31)
        self.assertIsNone(self.leak(unit)["repeat_of"])

    def test_b_an_invalid_request_is_not_repeated_and_the_window_is_a_setting(self):
        unit, _ = self.household()
        self.create(type="repair", unit_id=unit["id"], category_id=self.cat("leak"),
                    valid=False, invalid_reason="非本房屋")
        self.assertIsNone(self.leak(unit)["repeat_of"])
        admin = self.as_("admin")
        s = admin.get("/api/v1/desk-settings").json()
        self.assertEqual(s["repeat_days"], 30)
        # a bad value and a non-admin change nothing
        self.assertError(admin.patch("/api/v1/desk-settings", {"repeat_days": -1}), 422,
                         "validation_failed")
        self.assertError(self.as_("agent").patch("/api/v1/desk-settings", {"repeat_days": 7}),
                         403, "forbidden")
        self.assertError(admin.patch("/api/v1/desk-settings",
                                     {"repeat_days": 7, "version": s["version"] + 5}), 409,
                         "version_conflict")
        self.assertEqual(admin.get("/api/v1/desk-settings").json(), s)
        off = admin.patch("/api/v1/desk-settings", {"repeat_days": 0, "version": s["version"]})
        self.assertStatus(off, 200)
        self.assertEqual((off.json()["repeat_days"], off.json()["version"]), (0, s["version"] + 1))
        self.assertIsNone(self.leak(unit)["repeat_of"])
        self.assertStatus(admin.patch("/api/v1/desk-settings", {"repeat_days": 30}), 200)
        self.assertIsNotNone(self.leak(unit)["repeat_of"])

    def test_c_chasers_are_counted_and_told(self):
        unit, _ = self.household()
        t = self.leak(unit)
        for n, note in ((1, "业主来电催问"), (2, "")):
            r = self.as_("agent").post("/api/v1/tickets/%d/chase" % t["id"], {"note": note})
            self.assertStatus(r, 200)
            self.assertEqual(r.json()["chase_count"], n)
        chased = [e for e in self.events(t["id"]) if e["kind"] == "chased"]
        self.assertEqual([(e["note"], e["data"]) for e in chased],
                         [("业主来电催问", {"chase_count": 1}), ("", {"chase_count": 2})])
        self.assertEqual(len(self.notes("technician", t["id"], "chased")), 2)
        # a ticket that is over cannot be chased; nothing changes
        self.move(t["id"], "cancelled", note="业主自行修好")
        r = self.as_("agent").post("/api/v1/tickets/%d/chase" % t["id"], {})
        self.assertError(r, 409, "ticket_not_open")
        self.assertEqual(self.ticket(t["id"])["chase_count"], 2)

    def test_d_first_time_close(self):
        unit, _ = self.household()
        steps = ("acknowledged", "contacted")
        once = self.leak(unit, category_id=self.cat("crack"))
        self.assertIsNone(once["first_time_close"])
        for to in steps:
            self.move(once["id"], to)
        self.move(once["id"], "resolved", resolution="已修补")
        self.assertIsNone(self.ticket(once["id"])["first_time_close"])
        self.assertTrue(self.move(once["id"], "closed", note="回访满意")["first_time_close"])
        again = self.leak(unit, category_id=self.cat("door_window"))
        for to in steps:
            self.move(again["id"], to)
        self.move(again["id"], "resolved", resolution="已调整")
        self.move(again["id"], "reopened", note="仍然关不严")
        self.move(again["id"], "resolved", resolution="更换合页")
        t = self.move(again["id"], "closed", note="回访满意")
        self.assertEqual((t["reopen_count"], t["first_time_close"]), (1, False))
