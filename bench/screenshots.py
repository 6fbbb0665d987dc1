"""Take the screenshots in docs/screenshots/ from the `small` demo data, in Chromium.

    .venv/bin/python bench/screenshots.py [--prepare] [--only 07,08] [--var-dir /tmp/bench-shots] [--port 8790]

With --prepare it builds the demo in a scratch VAR_DIR (never the project's var/): migrate,
``seed_demo --scale small``, ``daily_report`` for yesterday, and one verification refused by the
manager so that a ticket in progress shows a rework in its timeline next to its photos. Then it
starts ``manage.py runserver`` on that VAR_DIR (unless --url points at a running server), signs in
as each demo user through the login form and saves every page as docs/screenshots/NN-name.png.
Desktop pages are 1366 px wide, the inspector's phone 390×844; PNG only, kept small by the
viewport (and a height cap on long pages) rather than by quality. Not a test: pytest does not
collect it (it is not named test_*.py and lives outside tests/).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "docs" / "screenshots"
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2023")
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=zh-CN",
]
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
MAX_HEIGHT = 2600  # px: a full page longer than this is cut (the size limit is ~400 KB a picture)

# What the screenshots need to find in the demo data (read after --prepare, or from an existing demo).
FIND_IDS = """
import json
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from briefing.models import DailyReport
from cases.models import Ticket
from cases.views.field import unit_queryset
ticket = (Ticket.objects.filter(rework_count__gt=0, status__in=["assigned", "submitted"]).order_by("pk").first()
          or Ticket.objects.filter(rework_count__gt=0).order_by("pk").first())
inspector = User.objects.get(username="demo-inspector")
enterprise = unit_queryset(inspector, "enterprise").order_by("pk").first()
report = DailyReport.objects.order_by("-date").first()
grid = inspector.grids.order_by("pk").first()
print(json.dumps({
    "plate": enterprise.plate_url if enterprise else None,
    "grid": grid.pk if grid else None,
    "ticket": ticket.pk if ticket else None,
    "enterprise": enterprise.pk if enterprise else None,
    "report_date": report.date.isoformat() if report else None,
}))
"""

# A verification refused by the manager: the submitted ticket goes back to 整改中 with a rework.
MAKE_REWORK = """
from accounts.models import User
from cases import services
from cases.models import Ticket
if not Ticket.objects.filter(rework_count__gt=0, status__in=["assigned", "submitted"]).exists():
    ticket = Ticket.objects.filter(status="submitted").order_by("pk").first()
    if ticket is not None:
        services.verify_ticket(ticket, actor=User.objects.get(username="demo-manager"), passed=False,
                               comment="消防通道仍有杂物堆放，灭火器压力不足，请清理、更换后重新提交。")
"""


def shots(ids):
    """(number-name, user or None, path, context options, full page, wait-for selector)."""
    ticket, enterprise, day = ids["ticket"], ids["enterprise"], ids["report_date"]
    items = [
        ("01-login", None, "/accounts/login/", DESKTOP, False, "form"),
        ("02-home-inspector-phone", "demo-inspector", "/", PHONE, True, "main"),
        ("03-home-manager", "demo-manager", "/", DESKTOP, True, "main"),
        ("04-home-leader-dashboard", "demo-leader", "/", DESKTOP, True, "#chart-trend canvas"),
        ("05-home-enterprise", "demo-enterprise", "/", DESKTOP, True, "main"),
        ("06-home-landlord", "demo-landlord", "/", DESKTOP, True, "main"),
        (
            "07-ticket-list-filtered",
            "demo-manager",
            "/cases/tickets/?status=assigned&status=submitted&ordering=deadline",
            DESKTOP,
            True,
            "table",
        ),
        ("08-ticket-detail", "demo-manager", f"/cases/tickets/{ticket}/", DESKTOP, True, "main"),
        ("09-manager-desk", "demo-manager", "/cases/desk/", DESKTOP, True, "main"),
        ("10-dashboard-manager", "demo-manager", "/cases/dashboard/", DESKTOP, True, "#chart-trend canvas"),
        ("11-map", "demo-leader", "/cases/map/", DESKTOP, False, ".leaflet-container"),
        ("12-briefing-archive", "demo-leader", "/cases/reports/", DESKTOP, True, "main"),
        ("13-briefing", "demo-leader", f"/cases/reports/{day}/", DESKTOP, True, "main"),
        ("14-notice-print", "demo-manager", f"/cases/tickets/{ticket}/notice/", DESKTOP, True, "body"),
        (
            "15-hazard-report-phone",
            "demo-inspector",
            f"/cases/field/report/?enterprise={enterprise}",
            PHONE,
            True,
            "form",
        ),
        ("16-patrol-phone", "demo-inspector", "/risk/patrol/", PHONE, True, "main"),
        ("17-risk-points", "demo-manager", "/risk/points/", DESKTOP, False, "table"),
        ("18-coverage", "demo-leader", "/risk/coverage/", DESKTOP, True, "main"),
        ("19-map-risk-layer", "demo-leader", "/cases/map/?layer=risk", DESKTOP, False, ".leaflet-container"),
        ("20-plate-anonymous-phone", None, ids["plate"], PHONE, True, "main"),
        ("21-plates-print", "demo-manager", f"/risk/plates/?grid={ids['grid']}", DESKTOP, False, "body"),
    ]
    return items


def manage(args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def prepare(var_dir, env):
    if var_dir.resolve() == (BASE_DIR / "var").resolve():
        raise SystemExit("refusing to rebuild the project's var/: pass a scratch --var-dir")
    for name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"):
        (var_dir / name).unlink(missing_ok=True)
    shutil.rmtree(var_dir / "media", ignore_errors=True)
    shutil.rmtree(var_dir / "cache", ignore_errors=True)
    manage(["migrate", "-v", "0"], env)
    manage(["seed_demo", "--scale", "small"], env)
    manage(["shell", "-c", MAKE_REWORK], env)
    subprocess.run(
        [sys.executable, "manage.py", "daily_report"], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL
    )


def find_ids(env):
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", FIND_IDS],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def take(base_url, ids, only):
    from playwright.sync_api import sync_playwright

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        # The browser's own words (the file picker: 选择文件 / 未选择任何文件) follow LANGUAGE, as on
        # an office PC or phone set to Chinese (Debian: the chromium-l10n package holds them).
        browser_env = dict(os.environ, LANG="zh_CN.UTF-8", LANGUAGE="zh_CN:zh")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=browser_env, headless=True
        )
        contexts = {}
        try:
            for name, user, path, options, full_page, ready in shots(ids):
                if only and not any(name.startswith(prefix) for prefix in only):
                    continue
                key = (user, options["viewport"]["width"])
                if key not in contexts:
                    context = browser.new_context(
                        locale="zh-CN", timezone_id="Asia/Shanghai", base_url=base_url, **options
                    )
                    context.set_default_timeout(20_000)
                    if user:
                        login(context, user)
                    contexts[key] = context
                page = contexts[key].new_page()
                page.goto(path, wait_until="networkidle")
                page.wait_for_selector(ready, state="attached")
                page.wait_for_timeout(600)  # charts animate in
                target = OUT_DIR / f"{name}.png"
                height = page.evaluate("document.documentElement.scrollHeight")
                if full_page and height > MAX_HEIGHT:
                    width = options["viewport"]["width"]
                    page.screenshot(
                        path=str(target), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": MAX_HEIGHT}
                    )
                else:
                    page.screenshot(path=str(target), full_page=full_page)
                page.close()
                saved.append((target, height))
                print(f"{target.relative_to(BASE_DIR)}  {target.stat().st_size / 1024:.0f} KB  (page {height} px)")
        finally:
            for context in contexts.values():
                context.close()
            browser.close()
    return saved


def login(context, username):
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit], form input[type=submit]")
    if "/accounts/login/" in page.url:
        raise SystemExit(f"could not sign in as {username}")
    page.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true", help="rebuild the small demo in --var-dir first")
    parser.add_argument("--var-dir", default="/tmp/bench-shots", help="scratch VAR_DIR (default /tmp/bench-shots)")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--url", help="use a server already running here (its VAR_DIR must be --var-dir)")
    parser.add_argument("--only", default="", help="comma-separated numbers or names: take only these")
    args = parser.parse_args()

    var_dir = Path(args.var_dir)
    env = dict(os.environ, VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("DATABASE_URL", None)  # the demo lives in the scratch SQLite database
    env.pop("REDIS_URL", None)
    env["SITE_URL"] = args.url or f"http://127.0.0.1:{args.port}"  # the notice's QR code and link
    if args.prepare:
        prepare(var_dir, env)
    ids = find_ids(env)
    if not all(ids.values()):
        raise SystemExit(f"the demo data lacks something the screenshots need: {ids} (run with --prepare)")

    server = None
    base_url = args.url
    if not base_url:
        base_url = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        wait_for(f"{base_url}/accounts/login/")
        only = [item.strip() for item in args.only.split(",") if item.strip()]
        take(base_url, ids, only)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
