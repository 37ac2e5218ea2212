"""Deadline alarms: the alarm thread wakes at the due moment by itself, and a
restart neither loses nor repeats a reminder (issue "Service desk I",
"Reminders and escalation")."""

import os
import time
import unittest

from harness import Database, Server, tmpdir

# A Monday far ahead: the test clock only moves forward.
MONDAY_0800 = "2030-03-04T08:00:00+08:00"  # before opening: clocks count from 08:30 sharp


def at(hhmm):
    return "2030-03-04T%s:00+08:00" % hhmm


class AlarmServer:
    """One `kefu serve --test-clock 1` on a database that outlives it."""

    def __init__(self, db):
        key = os.path.join(tmpdir("key-"), "pii.key")
        self.args = ["--test-clock", "1", "--key-file", key]
        self.db = db
        self.server = None

    def start(self, now):
        self.server = Server(self.args, db=self.db).start()
        self.admin = self.server.login("admin")
        r = self.admin.post("/api/v1/test/clock", {"now": now})
        assert r.status == 200, r
        return r.json()

    def move(self, now):
        r = self.admin.post("/api/v1/test/clock", {"now": now})
        assert r.status == 200, r
        return r.json()

    def stop(self):
        self.server.stop()


class RestartTest(unittest.TestCase):
    def setUp(self):
        self.db = Database()
        self.srv = AlarmServer(self.db)
        self.addCleanup(lambda: self.srv.server and self.srv.server.proc.poll() is None
                        and self.srv.stop())

    def count(self, sql):
        return int(self.db.scalar(sql) or 0)

    def notifications(self, kind):
        return self.count("SELECT COUNT(*) FROM notifications WHERE kind = '%s'" % kind)

    def setup_ticket(self):
        self.srv.start(MONDAY_0800)
        a = self.srv.admin
        project = a.get("/api/v1/projects").json()["items"][0]["id"]
        agent = self.srv.server.login("agent").user["id"]
        dept = a.post("/api/v1/departments", {"project_id": project, "code": "PROP",
                                              "name": "物业服务中心", "kind": "property"})
        self.assertEqual(dept.status, 201, dept)
        r = a.post("/api/v1/tickets", {
            "project_id": project, "type": "complaint", "channel": "phone",
            "subject": "楼道灯不亮", "caller_phone": "13800138000",
            "department_id": dept.json()["id"]})
        self.assertEqual(r.status, 201, r)
        # a person by hand, so the reminder has an addressee
        m = a.post("/api/v1/department-members", {"project_id": project,
                                                   "department_id": dept.json()["id"],
                                                   "user_id": agent})
        self.assertEqual(m.status, 201, m)
        t = a.post("/api/v1/tickets/%d/dispatch" % r.json()["id"], {"assignee_id": agent})
        self.assertEqual(t.status, 200, t)
        ack = [c for c in t.json()["clocks"] if c["milestone"] == "acknowledge"][0]
        # 3 working hours from Monday 08:30 (Asia/Shanghai): 11:30; reminder at 80 %: 10:54
        self.assertEqual(ack["due_at"], "2030-03-04T03:30:00.000Z")
        self.assertEqual(ack["remind_at"], "2030-03-04T02:54:00.000Z")
        return t.json()["id"]

    def test_restart_neither_loses_nor_repeats(self):
        ticket = self.setup_ticket()
        self.srv.stop()  # nothing is due yet

        # the reminder falls due while no server runs; the next one sends it once
        self.srv.start(at("11:00"))
        self.assertEqual(self.notifications("remind"), 1)
        self.assertEqual(self.notifications("breach"), 0)
        self.srv.stop()

        self.srv.start(at("11:00"))
        self.assertEqual(self.notifications("remind"), 1)
        self.srv.move(at("11:35"))  # the breach: the supervisors are told, once
        self.assertEqual(self.notifications("breach"), 1)
        self.srv.stop()

        self.srv.start(at("11:36"))
        self.assertEqual(self.notifications("remind"), 1)
        self.assertEqual(self.notifications("breach"), 1)
        events = self.srv.admin.get("/api/v1/tickets/%d/events" % ticket).json()["items"]
        kinds = [e["kind"] for e in events]
        self.assertEqual(kinds.count("reminded"), 1)
        self.assertEqual(kinds.count("breached"), 1)
        t = self.srv.admin.get("/api/v1/tickets/%d" % ticket).json()
        self.assertEqual(t["escalation_level"], 1)
        # every notification has its SMS and e-mail rows waiting in the outbox
        self.assertEqual(self.count("SELECT COUNT(*) FROM outbox"),
                         2 * self.count("SELECT COUNT(*) FROM notifications"))
        self.srv.stop()

    def test_thread_wakes_at_the_due_moment(self):
        ticket = self.setup_ticket()
        # two seconds before the reminder: nothing yet, and no request will come
        self.srv.move("2030-03-04T02:53:58Z")
        self.assertEqual(self.notifications("remind"), 0)
        deadline = time.time() + 15
        while time.time() < deadline and self.notifications("remind") == 0:
            time.sleep(0.2)
        self.assertEqual(self.notifications("remind"), 1,
                         "the alarm thread did not fire the reminder on its own")
        agent = self.srv.server.login("agent")
        mine = agent.get("/api/v1/notifications?unread=true").json()
        self.assertEqual([n["kind"] for n in mine["items"]][:1], ["remind"])
        self.assertEqual(mine["items"][0]["ticket_id"], ticket)
        self.assertIn("即将超时", mine["items"][0]["text"])
        self.srv.stop()


if __name__ == "__main__":
    unittest.main()
