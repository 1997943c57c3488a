"""Staff CSV import, training records from the dialogs, and the new-user journey on the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from sqlmodel import select

from bot.app import App
from bot.services.staff_import import import_staff
from storage import people
from storage.models import Audit, Staff, TrainingRecord
from tests.helpers import Conversation, invoke, run
from tests.reminders.harness import STAFF_CSV

MIXED = """name,email,role,start_date,dsl_team,prevent,annual_update
Robin Madeup,robin.madeup@school.example,Teacher,2024-09-01,no,2025-01-10,01/09/2025
,nameless@school.example,Teacher,,no,,
Kim Notreal,not-an-email,Teacher,,no,,
Ash Pretend,ash.pretend@school.example,Teacher,1st Sept,no,,
Jules Fake,jules.fake@school.example,TA,,maybe,,
Rae Unreal,rae.unreal@school.example,TA,,no,2030-01-01,
Robin Madeup,robin.madeup@school.example,Teacher,,no,,
Val Imaginary,val.imaginary@school.example,Cook,2023-04-17,yes,2024-05-05,
"""


async def counts(app: App) -> tuple[int, int]:
    async with app.db.transaction() as session:
        staff = len((await session.exec(select(Staff))).all())
        training = len((await session.exec(select(TrainingRecord))).all())
    return staff, training


async def test_import_good_rows_bad_rows_and_again(school_app: App) -> None:
    before = await counts(school_app)
    result = await import_staff(school_app.db, school_app.config, school_app.school_id, MIXED, date(2026, 11, 30))
    assert (result.added, result.training_added) == (2, 3)
    assert [line for line, _ in result.problems] == [3, 4, 5, 6, 7, 8]
    reasons = dict(result.problems)
    assert "name is empty" in reasons[3]
    assert "not an email address" in reasons[4]
    assert "is not a date" in reasons[5]
    assert "dsl_team must be yes or no" in reasons[6]
    assert "in the future" in reasons[7]
    assert "more than once" in reasons[8]
    assert result.warnings and result.warnings[0][0] == 9  # marked DSL but not in the school file
    after = await counts(school_app)
    assert after == (before[0] + 2, before[1] + 3)
    async with school_app.db.transaction() as session:
        val = await people.staff_by_email(session, school_app.school_id, "val.imaginary@school.example")
    assert val is not None and not val.is_dsl

    again = await import_staff(school_app.db, school_app.config, school_app.school_id, MIXED, date(2026, 11, 30))
    assert (again.added, again.updated, again.unchanged, again.training_added) == (0, 0, 2, 0)
    assert await counts(school_app) == after


async def test_import_matches_existing_people_by_email(school_app: App) -> None:
    teacher = Conversation(school_app.engine, "TEACHER@school.example")
    await teacher.say("hello")
    async with school_app.db.transaction() as session:
        staff = (await session.exec(select(Staff).where(Staff.email == "teacher@school.example"))).all()
    assert len(staff) == 1 and staff[0].name == "Pat Teacher"


async def test_missing_columns_are_reported(school_app: App) -> None:
    result = await import_staff(school_app.db, school_app.config, school_app.school_id, "who,where\nx,y\n",
                                date(2026, 11, 30))
    assert result.problems == [(1, "missing column(s): name, email")]


async def test_my_training_and_recording_it(school_app: App) -> None:
    teacher = Conversation(school_app.engine, "teacher@school.example")
    await teacher.say("my training")
    facts = dict(teacher.last.facts)
    assert facts["Annual safeguarding update"].startswith("OVERDUE")
    assert "go:training_done?course=annual_update" in teacher.choice_ids()
    await teacher.say("I've done my training")
    await teacher.tap("prevent")
    await teacher.say("tomorrow")
    assert "couldn't read" in teacher.text
    await teacher.say("01/12/2026")
    assert "in the future" in teacher.text
    await teacher.say("yesterday")
    await teacher.say("prevent-certificate.pdf")
    assert "Recorded: Pat Teacher completed Prevent awareness (Home Office course, or its refresher) on 2026-11-29" \
        in teacher.text
    async with school_app.db.transaction() as session:
        query = select(TrainingRecord).where(TrainingRecord.completed_on == date(2026, 11, 29))
        record = (await session.exec(query)).one()
    assert (record.course, record.certificate) == ("prevent", "prevent-certificate.pdf")


async def test_dsl_records_training_for_others_and_nobody_else_can(school_app: App) -> None:
    dsl = Conversation(school_app.engine, "alex.example@school.example")
    await dsl.tap("go:training_done?for=other", token=None)
    await dsl.say("nobody@school.example")
    assert "can't find anyone" in dsl.text
    await dsl.say("chris.mockname@school.example")
    await dsl.tap("prevent")
    await dsl.tap("today")
    await dsl.tap("none")
    assert "Chris Mockname completed" in dsl.text
    teacher = Conversation(school_app.engine, "teacher@school.example")
    await teacher.tap("go:training_done?for=other", token=None)
    assert "Only members of the DSL team" in teacher.text
    async with school_app.db.transaction() as session:
        audits = [(a.actor, a.action) for a in (await session.exec(select(Audit))).all()]
    assert ("alex.example@school.example", "training.record") in audits


def test_new_user_imports_runs_the_nudge_and_sees_it(tmp_path: Path) -> None:
    def cli(*args: str) -> str:
        return run(tmp_path, *args).stdout

    first = cli("staff", "import", str(STAFF_CSV))
    assert "6 added, 2 updated" in first and "0 row(s) not imported" in first  # the DSL team came from the school file
    assert "0 added" in cli("staff", "import", str(STAFF_CSV))
    assert "training-nudge" in cli("jobs", "list")
    dry = cli("jobs", "run", "training-nudge", "--dry-run", "--at", "2026-11-30 08:30")
    assert "would tell teacher@school.example" in dry and "Prevent awareness" in dry
    assert "0 message(s) queued" not in dry
    real = cli("jobs", "run", "training-nudge", "--at", "2026-11-30 08:30")
    assert "8 message(s) queued" in real
    assert "0 message(s) queued; 8 already sent" in cli("jobs", "run", "training-nudge", "--at", "2026-11-30 09:00")
    weekend = cli("jobs", "run", "training-nudge", "--at", "2026-12-05 10:00")
    assert "Nothing sent: it is the weekend" in weekend
    seen = [json.loads(line) for line in cli("chat", "--as", "teacher@school.example", "--jsonl").splitlines()]
    nudges = [r for r in seen if r["notification"]]
    assert len(nudges) == 1 and "Annual safeguarding update" in nudges[0]["text"]
    report = json.loads(cli("training", "report", "--json"))
    assert {"name": "Pat Teacher", "email": "teacher@school.example", "course": "prevent"}.items() <= next(
        r for r in report if r["email"] == "teacher@school.example" and r["course"] == "prevent").items()
    assert len(json.loads(cli("staff", "list", "--json"))) == 8


def test_training_report_names_courses_and_says_not_done_yet(tmp_path: Path) -> None:
    assert invoke(tmp_path, "staff", "import", str(STAFF_CSV)).exit_code == 0
    text = invoke(tmp_path, "training", "report").stdout
    assert "None" not in text and "annual_update" not in text and "prevent_f2f" not in text
    lee = text.split("Lee Invented <lee.invented@school.example>\n")[1].split("\n\n")[0].splitlines()
    assert lee[0].startswith("  Safeguarding and child protection (induction")  # started 2026-11-16, nothing done
    assert all("not done yet" in line for line in lee) and len(lee) == 3
    assert "  Annual safeguarding update: " in text and "Face-to-face Prevent awareness (DSL): " in text
    assert "done 2019-09-02 (once only)" in text  # Alex's induction: done, never due again

    rows = json.loads(invoke(tmp_path, "training", "report", "--json").stdout)
    alex = {r["course"]: r for r in rows if r["email"] == "alex.example@school.example"}
    assert alex["prevent_f2f"]["course_name"] == "Face-to-face Prevent awareness (DSL)"
    assert alex["induction"]["due_on"] is None and alex["induction"]["last_done"] == "2019-09-02"
    table = list(csv.DictReader(io.StringIO(invoke(tmp_path, "training", "report", "--csv").stdout)))
    assert {(r["course"], r["course_name"]) for r in table} >= {("annual_update", "Annual safeguarding update")}
