#!/usr/bin/env python3
"""Run the whole tracker on one machine: the web server, a Celery worker and Celery beat.

    .venv/bin/python scripts/run.py          # what `make run` calls

Before starting, it migrates the database, compiles the translations and, when the
database holds no register yet, loads the demo data (`seed_demo --scale small`). Then it
starts three processes, each in its own process group, prefixes their output with their
name, prints the address and the demo logins, and waits. Ctrl-C (SIGINT) or SIGTERM stops
all three; if any one of them dies, the others are stopped too and the exit status is the
dead one's.

Environment (besides the application's own settings, see README.md):
    PORT=8000            port of the web server; HOST=127.0.0.1 the address it binds
    SITE_URL             the address in mails and on the notice's QR code (default: from HOST and PORT)
    DEBUG=0              1: Django's debug pages (otherwise the product's own error pages)
    RUN_SEED=1           0: do not load demo data, even into an empty database
    SEED_SCALE=small     the --scale given to seed_demo
    DEMO_PASSWORD        the demo logins' password (seed_demo reads it too)
    WEB_CONCURRENCY=2    gunicorn worker processes (each with 4 threads)
    WORKER_CONCURRENCY=2 Celery worker processes
"""

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_PASSWORD = "demo-pass-2023"
STOP_TIMEOUT = 15  # seconds a process gets to stop before it is killed
COLOURS = {"web": "\033[32m", "worker": "\033[36m", "beat": "\033[35m"}
RESET = "\033[0m"


def say(message):
    print(f"[run] {message}", flush=True)


def env_flag(name, default=True):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value not in {"0", "false", "no", "off"}


# --- Preparing the database -------------------------------------------------------


def prepare(seed, scale):
    """Migrate, compile translations and seed an empty database. Returns the demo logins that exist."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.embedded import prepare_var_dir

    prepare_var_dir()  # VAR_DIR, the broker's folders and the secret key the three processes share
    import django

    django.setup()
    from django.core.management import call_command, get_commands
    from django.db import connections

    say("migrating the database")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("compile_translations", verbosity=1)

    from django.contrib.auth import get_user_model

    from register.models import Zone

    if not Zone.objects.exists():
        if not seed:
            say("the database is empty; RUN_SEED=0, so no demo data is loaded")
        elif "seed_demo" not in get_commands():
            say("the database is empty and the seed_demo command is missing: starting without demo data")
        else:
            say(f"the database is empty: loading demo data (seed_demo --scale {scale}), this takes a moment")
            started = time.monotonic()
            call_command("seed_demo", "--scale", scale)
            say(f"demo data loaded in {time.monotonic() - started:.1f} s")
    from demo.common import DEMO_USERS

    names = [username for username, *_rest in DEMO_USERS]
    found = set(get_user_model().objects.filter(username__in=names).values_list("username", flat=True))
    connections.close_all()
    return [name for name in names if name in found]


# --- Supervising the processes ------------------------------------------------------


def _die_with_parent():
    """In the child, before exec: get SIGTERM if the supervisor dies (Linux), so nothing is orphaned."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _pipe_output(name, stream, colour):
    prefix = f"{COLOURS.get(name, '')}{name:<6}|{RESET} " if colour else f"{name:<6}| "
    for line in iter(stream.readline, b""):
        sys.stdout.write(prefix + line.decode("utf-8", "replace"))
        sys.stdout.flush()
    stream.close()


class Supervisor:
    def __init__(self, commands, env):
        self.commands = commands
        self.env = env
        self.processes = {}
        self.stopping = False
        self.colour = sys.stdout.isatty()

    def start(self):
        for name, command in self.commands.items():
            self.processes[name] = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: Ctrl-C reaches only the supervisor
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        # Threads start only after every fork (preexec_fn is not safe alongside threads).
        for name, process in self.processes.items():
            thread = threading.Thread(target=_pipe_output, args=(name, process.stdout, self.colour), daemon=True)
            thread.start()
        say("started " + ", ".join(f"{name} (pid {p.pid})" for name, p in self.processes.items()))

    def request_stop(self, signum, frame):
        self.stopping = True

    def first_exit(self):
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name, process.returncode
        return None

    def wait(self, ready_check=None):
        """Block until a signal arrives or a process dies; returns the exit status to use."""
        announced = ready_check is None
        while not self.stopping:
            dead = self.first_exit()
            if dead:
                name, code = dead
                say(f"{name} exited with status {code}; stopping the others")
                return code or 1
            if not announced and ready_check():
                announced = True
            time.sleep(0.2)
        say("stopping (Ctrl-C again to kill at once)")
        return 0

    def stop(self):
        """SIGTERM each process (warm shutdown: running tasks finish); a second Ctrl-C, or STOP_TIMEOUT
        seconds, and whatever is left is killed."""
        started = time.monotonic()
        self.killing = False
        signal.signal(signal.SIGINT, self.request_kill)
        signal.signal(signal.SIGTERM, self.request_kill)
        alive = [p for p in self.processes.values() if p.poll() is None]
        for process in alive:
            _signal_group(process.pid, signal.SIGTERM, leader_only=True)
        while any(p.poll() is None for p in alive) and not self.killing:
            if time.monotonic() - started > STOP_TIMEOUT:
                names = [name for name, p in self.processes.items() if p.poll() is None]
                say(f"{', '.join(names)} did not stop in {STOP_TIMEOUT} s: killing")
                break
            time.sleep(0.1)
        # Whatever is left in the groups (pool children, stragglers) is killed.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in self.processes.values():
            _signal_group(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        say(f"all stopped in {time.monotonic() - started:.1f} s")

    def request_kill(self, signum, frame):
        self.killing = True


def _signal_group(pgid, signum, leader_only=False):
    try:
        if leader_only:
            os.kill(pgid, signum)
        else:
            os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def port_is_free(host, port):
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def build_commands(host, port):
    python = sys.executable
    worker_concurrency = os.environ.get("WORKER_CONCURRENCY", "2")
    return {
        "web": [
            python, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "--worker-class", "gthread", "--threads", "4",
            "--graceful-timeout", "10", "--timeout", "120",
            "--access-logfile", "-", "--error-logfile", "-", "--no-control-socket",
        ],
        "worker": [
            python, "-m", "celery", "-A", "config", "worker",
            "--loglevel", "INFO", "--concurrency", worker_concurrency, "--without-gossip", "--without-mingle",
        ],
        "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
    }  # fmt: skip


def banner(url, demo_logins):
    lines = ["", "=" * 64, f"  安全隐患排查整改系统 is running at  {url}", ""]
    if demo_logins:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        lines.append(f"  Demo logins (password: {password}):")
        lines += [f"    {name}" for name in demo_logins]
    else:
        lines.append("  No demo logins in this database: create one with")
        lines.append("    .venv/bin/python manage.py createsuperuser")
    lines += ["", "  Press Ctrl-C to stop the web server, the worker and beat.", "=" * 64, ""]
    print("\n".join(lines), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--no-seed", action="store_true", help="do not load demo data (also RUN_SEED=0)")
    args = parser.parse_args(argv)

    if not port_is_free(args.host, args.port):
        say(f"port {args.port} on {args.host} is in use: stop what runs there or set PORT=…")
        return 2

    # The settings of every process (this one's preparation, web, worker, beat) derive SITE_URL and
    # ALLOWED_HOSTS from these unless they are set.
    os.environ["HOST"], os.environ["PORT"] = args.host, str(args.port)
    seed = env_flag("RUN_SEED") and not args.no_seed
    demo_logins = prepare(seed, os.environ.get("SEED_SCALE", "small"))

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("WEB_CONCURRENCY", "2")
    env["PYTHONUNBUFFERED"] = "1"
    supervisor = Supervisor(build_commands(args.host, args.port), env)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGHUP, supervisor.request_stop)

    url_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{url_host}:{args.port}/"
    connect_host = "127.0.0.1" if args.host in ("0.0.0.0", "") else ("::1" if args.host == "::" else args.host)

    def ready():
        if answers(connect_host, args.port):
            banner(url, demo_logins)
            return True
        return False

    status = 1
    try:
        supervisor.start()
        status = supervisor.wait(ready_check=ready)
    finally:
        supervisor.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
