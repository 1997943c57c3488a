"""Every `prevent-bot` command by name: the module and function that run it, and its one-line help.

Declared here rather than collected from the modules, so that listing the commands (or running one)
imports only the module of the one command run. tests/bot/test_cli_start.py checks each entry against
its function, so the table cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    """A command: where its function lives, and its help as listed (its docstring's first line)."""

    module: str
    function: str
    help: str


@dataclass(frozen=True, slots=True)
class Group:
    """A group of commands, with its help."""

    help: str
    children: dict[str, Command | Group]


Entry = Command | Group

COMMANDS: dict[str, Entry] = {
    "chat": Command("bot.cli.chat", "chat", "Talk to the bot on this computer, as the person with EMAIL."),
    "audit": Command("bot.cli.audit", "audit", "Show the audit log: who viewed, exported or decided what, and each "
                     "refused attempt. Itself audited."),
    "doctor": Command("bot.cli.doctor", "doctor", "Check the school file, data key, database and each platform; say "
                      "what to fix. Creates and changes nothing."),
    "serve": Command("bot.cli.serve", "serve", "Run the server: Slack events, Teams messages, health checks and "
                     "scheduled jobs."),
    "concerns": Group("Look at and export concerns (every view is audited).", {
        "list": Command("bot.cli.concerns", "concerns_list", "List concerns: reference, status, urgency, category, "
                        "year group (no narrative)."),
        "show": Command("bot.cli.concerns", "concerns_show", "Show one concern in full, with its chronology. The "
                        "view is written to the audit log."),
        "export": Command("bot.cli.export", "concerns_export", "Export whole records (details and chronology) for a "
                          "school transfer or a referral. Audited."),
    }),
    "db": Group("Database maintenance.", {
        "upgrade": Command("bot.cli.db", "db_upgrade", "Apply database migrations (also done on every start)."),
        "rekey": Command("bot.cli.keys", "db_rekey", "Re-seal every encrypted value under PREVENT_DATA_KEY after a "
                         "key rotation (safe while the bot runs)."),
        "backup": Command("bot.cli.backup", "db_backup", "Copy the SQLite database to a new file (readable by you "
                          "only), checked; safe while the bot runs."),
    }),
    "manifest": Group("Print or build the Slack and Teams app manifests.", {
        "slack": Command("bot.cli.slack", "slack_manifest", "Print the Slack app manifest with the request URLs "
                         "filled in (paste it at api.slack.com/apps)."),
        "teams": Command("bot.cli.teams", "teams_manifest", "Build the Teams app package (upload it in Teams or the "
                         "Teams admin centre)."),
    }),
    "staff": Group("The staff directory.", {
        "import": Command("bot.cli.staff_import", "staff_import", "Import staff from CSV: name, email, role, "
                          "start_date, dsl, and a date column per course."),
        "list": Command("bot.cli.staff", "staff_list", "List staff: name, email, role, start date, DSL team."),
    }),
    "training": Group("Training records.", {
        "report": Command("bot.cli.training", "training_report", "Training status of everyone on every course: "
                          "current, due or overdue."),
    }),
    "jobs": Group("Scheduled jobs (they run inside `prevent-bot serve`).", {
        "list": Command("bot.cli.jobs", "jobs_list", "List the scheduled jobs and when they run."),
        "run": Command("bot.cli.jobs_run", "jobs_run", "Run one job now (each message still goes once only: a rerun "
                       "sends nothing new)."),
    }),
}
