"""kefu gen (issue 7): a realistic, deterministic data set in an empty database. The rollups
verify, the server works on it (queues, a ticket, search, statistics), leaks and cracks peak in
the rainy season, the same seed gives the same data, and a second run is refused.
"""
import datetime
import hashlib
import os
import sqlite3
import unittest

from harness import Database, Server, run_kefu


def gen(db, *args):
    return run_kefu(["gen", "--db", db.url] + list(args), timeout=600)


QUERIES = (
    "SELECT * FROM tickets ORDER BY id",
    "SELECT * FROM ticket_clocks ORDER BY id",
    "SELECT * FROM ticket_events ORDER BY id",
    "SELECT * FROM ticket_facts ORDER BY id",
    "SELECT * FROM ticket_rollups ORDER BY project_id, metric, grain, day, type, category_id,"
    " building_id, department_id, person_id",
    "SELECT * FROM follow_ups ORDER BY id",
    "SELECT id, project_id, name, grade FROM people ORDER BY id",
    "SELECT * FROM person_mobiles ORDER BY person_id",
    "SELECT id, building_id, code, area_centi, status, delivery_date, warranty_end FROM units"
    " ORDER BY id",
)

class Gen(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database()
        rc, out, err = gen(cls.db, "--scale", "ci", "--seed", "7")
        assert rc == 0, (out, err)
        cls.out = out

    def test_summary_and_verify(self):
        self.assertRegex(self.out, r"tickets 10000 \(open \d+\)")
        self.assertRegex(self.out, r"tickets/s")
        rc, out, err = run_kefu(["verify", "rollups", "--db", self.db.url], timeout=300)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("no differences", out)

    def test_mix(self):
        n = lambda sql: int(self.db.scalar(sql))
        total = n("SELECT COUNT(*) FROM tickets")
        self.assertEqual(total, 10000)
        repairs = n("SELECT COUNT(*) FROM tickets WHERE type = 'repair'")
        self.assertTrue(0.40 * total < repairs < 0.50 * total, repairs)
        invalid = n("SELECT COUNT(*) FROM tickets WHERE status = 'closed_invalid'")
        self.assertTrue(0.01 * total < invalid < 0.035 * total, invalid)
        opened = n("SELECT COUNT(*) FROM tickets WHERE is_open = 1")
        self.assertTrue(0 < opened < 0.03 * total, opened)
        self.assertGreater(n("SELECT COUNT(*) FROM tickets WHERE reopen_count > 0"), 0.03 * total)
        self.assertGreater(n("SELECT COUNT(*) FROM tickets WHERE repeat_of IS NOT NULL"), 0)
        self.assertGreater(n("SELECT COUNT(*) FROM ticket_clocks WHERE breached_at IS NOT NULL"), 0)
        self.assertGreater(n("SELECT COUNT(*) FROM ticket_events WHERE to_status = 'on_hold'"), 0)
        self.assertGreater(n("SELECT COUNT(*) FROM ticket_charges"), 0)
        mobiles = rows(self.db, "SELECT mobile FROM person_mobiles").split()
        self.assertTrue(mobiles)
        for m in mobiles[:500]:
            self.assertRegex(m, r"^1[3-9]\d{9}$")
        # the events are ordered like time within a ticket
        self.assertEqual(n("SELECT COUNT(*) FROM ticket_events a JOIN ticket_events b"
                           " ON a.ticket_id = b.ticket_id AND b.id > a.id AND b.at < a.at"), 0)
        self.assertEqual(n("SELECT COUNT(*) FROM tickets a JOIN tickets b ON b.id = a.id + 1"
                           " AND b.created_at < a.created_at"), 0)

    def test_rainy_season(self):
        wet = ("SELECT COUNT(*) FROM ticket_facts f JOIN ticket_categories c ON c.id = f.category_id"
               " WHERE f.metric = 'created' AND (c.code LIKE 'leak%%' OR c.code = 'crack')"
               " AND f.day IN (%s)")
        days = rows(self.db, "SELECT DISTINCT day FROM ticket_facts WHERE metric = 'created'").split()
        summer, winter = [], []
        for d in days:
            m = (datetime.date(1970, 1, 1) + datetime.timedelta(days=int(d))).month
            (summer if m in (6, 7, 8, 9) else winter if m in (12, 1, 2) else []).append(d)
        s = int(self.db.scalar(wet % ",".join(summer)))
        w = int(self.db.scalar(wet % ",".join(winter)))
        self.assertGreater(s, 1.5 * w, (s, w))

    def test_server_works_on_it(self):
        srv = Server(demo=False, db=self.db).start()
        try:
            agent = srv.login("agent")
            q = agent.get("/api/v1/tickets/queues", query={"project_id": 1})
            self.assertEqual(q.status, 200, q.text)
            opened = int(self.db.scalar("SELECT COUNT(*) FROM tickets WHERE is_open = 1"
                                        " AND project_id = 1"))
            self.assertEqual(q.json()["open"], opened)
            listed = agent.get("/api/v1/tickets", query={"project_id": 1, "queue": "all"})
            self.assertEqual(listed.status, 200, listed.text)
            self.assertTrue(listed.json()["items"])
            first = listed.json()["items"][0]["id"]
            one = agent.get("/api/v1/tickets/%d" % first)
            self.assertEqual(one.status, 200, one.text)
            closed = int(self.db.scalar("SELECT MIN(id) FROM tickets WHERE status = 'closed'"))
            self.assertEqual(agent.get("/api/v1/tickets/%d" % closed).status, 200)
            found = agent.get("/api/v1/tickets", query={"q": "漏水"})
            self.assertEqual(found.status, 200, found.text)
            self.assertTrue(found.json()["items"])
            d_from, d_to = rows(self.db, 
                "SELECT MIN(day), MAX(day) FROM ticket_facts WHERE project_id = 1"
                " AND metric = 'created' AND day >= (SELECT MAX(day) - 300 FROM ticket_facts)"
            ).replace("|", " ").split()
            iso = lambda d: str(datetime.date(1970, 1, 1) + datetime.timedelta(days=int(d)))
            manager = srv.login("manager")
            st = manager.get("/api/v1/stats/intake", query={"project_id": 1, "from": iso(d_from),
                                                          "to": iso(d_to)})
            self.assertEqual(st.status, 200, st.text)
            want = int(self.db.scalar(
                "SELECT COUNT(*) FROM ticket_facts WHERE project_id = 1 AND metric = 'created'"
                " AND day BETWEEN %s AND %s" % (d_from, d_to)))
            self.assertEqual(st.json()["rows"][0]["created"], want, st.text)
        finally:
            srv.stop()

    def test_search_finds_a_word_in_old_tickets(self):
        """A word in a few tickets, old and new, is found in all of them, newest first: on
        PostgreSQL the newest tickets are walked and the older rest asked of the index."""
        srv = Server(demo=False, db=self.db).start()
        try:
            agent = srv.login("agent")
            newest, top = (int(v) for v in rows(self.db, "SELECT MAX(id), (SELECT MAX(id) FROM"
                                                " tickets) FROM tickets WHERE project_id = 1"
                                                ).split("|"))
            older = int(self.db.scalar("SELECT MAX(id) FROM tickets WHERE project_id = 1"
                                       " AND id < %d" % (top - 7000)))
            oldest = int(self.db.scalar("SELECT MIN(id) FROM tickets WHERE project_id = 1"))
            self.assertLess(oldest, older)
            for tid in (oldest, older, newest):
                r = agent.post("/api/v1/tickets/%d/notes" % tid, {"note": "业主家的鹦鹉飞走了"})
                self.assertEqual(r.status, 200, r.text)
            found = agent.get("/api/v1/tickets", query={"q": "鹦鹉"})
            self.assertEqual(found.status, 200, found.text)
            self.assertEqual([t["id"] for t in found.json()["items"]], [newest, older, oldest])
            paged = agent.get("/api/v1/tickets", query={"q": "鹦鹉", "limit": 2})
            self.assertEqual([t["id"] for t in paged.json()["items"]], [newest, older])
            rest = agent.get("/api/v1/tickets", query={"q": "鹦鹉", "limit": 2,
                                                      "cursor": paged.json()["next_cursor"]})
            self.assertEqual([t["id"] for t in rest.json()["items"]], [oldest])
            none = agent.get("/api/v1/tickets", query={"q": "老虎"})
            self.assertEqual(none.json()["items"], [], none.text)
        finally:
            srv.stop()

    def test_search_finds_a_word_common_in_old_tickets_only(self):
        """A word in many old tickets and none of the newest 7,000 is found newest first, page
        after page (on PostgreSQL the index holds too many of its matches to be asked for them
        all, and the walk goes on)."""
        srv = Server(demo=False, db=self.db).start()
        try:
            agent = srv.login("agent")
            top = int(self.db.scalar("SELECT MAX(id) FROM tickets"))
            old = [int(v) for v in rows(self.db, "SELECT id FROM tickets WHERE project_id = 1"
                                        " AND id < %d ORDER BY id DESC LIMIT 60" % (top - 7000)
                                        ).split()]
            self.assertEqual(len(old), 60)
            for tid in old:
                r = agent.post("/api/v1/tickets/%d/notes" % tid, {"note": "孔雀开屏了"})
                self.assertEqual(r.status, 200, r.text)
            first = agent.get("/api/v1/tickets", query={"q": "孔雀", "limit": 50})
            self.assertEqual([t["id"] for t in first.json()["items"]], old[:50])
            rest = agent.get("/api/v1/tickets", query={"q": "孔雀", "limit": 50,
                                                      "cursor": first.json()["next_cursor"]})
            self.assertEqual([t["id"] for t in rest.json()["items"]], old[50:])
        finally:
            srv.stop()

    def test_refuses_a_database_with_tickets(self):
        rc, out, err = gen(self.db, "--scale", "ci")
        self.assertEqual(rc, 3, out + err)
        self.assertIn("empty", err)



def rows(db, sql):
    """SQL's rows as text, the same on both backends."""
    if db.kind == "sqlite":
        con = sqlite3.connect(db.path, timeout=30)
        try:
            out = con.execute(sql).fetchall()
        finally:
            con.close()
        return "\n".join("|".join("" if v is None else str(v) for v in r) for r in out)
    return db.psql(sql).rstrip("\n")


class Deterministic(unittest.TestCase):
    def test_same_seed_same_data(self):
        """Also with another batch size: the rollups of finished days are written after each
        batch, the rest at the end, and the sums must not depend on where the batches end."""
        db = Database()
        now = "2026-03-01T08:00:00Z"
        tables = ("tickets", "ticket_events", "ticket_clocks", "ticket_facts", "ticket_rollups",
                  "follow_ups", "people", "units", "ticket_counts")
        seen = []
        for batch in ("20000", "700"):
            db.reset()
            if db.kind == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(db.path + suffix):
                        os.remove(db.path + suffix)
            rc, out, err = gen(db, "--tickets", "3000", "--projects", "2", "--seed", "11",
                               "--now", now, "--batch", batch)
            self.assertEqual(rc, 0, err)
            h = hashlib.sha256()
            for sql in QUERIES:
                h.update(rows(db, sql).encode())
            seen.append((h.hexdigest(), [rows(db, "SELECT COUNT(*) FROM " + t) for t in tables]))
            rc, out, err = run_kefu(["verify", "rollups", "--db", db.url], timeout=300)
            self.assertEqual(rc, 0, out + err)
        self.assertEqual(seen[0], seen[1])


if __name__ == "__main__":
    unittest.main()
