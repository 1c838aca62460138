import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from volia.accounts import roles, twofactor
from volia.accounts import services as accounts
from volia.demo import KEY_PREFIX
from volia.demo.generator import generate_rows
from volia.interchange.importer import Importer
from volia.registry.models import Person
from volia.registry.services import Actor

from .serve import serve


class Command(BaseCommand):
    help = ("Create the demo database (synthetic, clearly labelled people; never real ones), then serve it. "
            "Without VOLIA_DATABASE_URL it uses its own SQLite file, demo.sqlite3 in the data directory.")

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=6000, help="how many synthetic people (default 6000)")
        parser.add_argument("--seed", type=int, default=2020, help="same seed, same data")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--no-serve", action="store_true", help="load the data and stop")

    def handle(self, *args, **o):
        if Person.objects.exclude(key__startswith=KEY_PREFIX).exists():
            raise CommandError("this database holds people who are not demo data; refusing to mix synthetic "
                               "people into it. Point VOLIA_DATABASE_URL at an empty database for the demo.")
        if not Person.objects.exists():
            self._load(o["people"], o["seed"])
        else:
            self.stdout.write(f"demo data already loaded ({Person.objects.count()} people)")
        password, secret, recovery = self._demo_account()
        db = connection.settings_dict["NAME"]
        url = f"http://{o['host']}:{o['port']}/"
        self.stdout.write(f"database: {db}\n"
                          f"open {url} (public site) and {url}accounts/login/ (staff)\n"
                          f"demo staff login (administrator; all new on every start):\n"
                          f"  user 'demo', password '{password}'\n"
                          f"  second factor: add the key {twofactor.grouped_secret(secret)} to an authenticator app "
                          f"(time-based, 6 digits),\n"
                          f"  or type the single-use recovery code {recovery}")
        if not o["no_serve"]:
            sys.stdout.flush()
            serve(o["host"], o["port"], o["workers"])

    def _demo_account(self) -> tuple[str, str, str]:
        """The `demo` administrator with a new password and a new authenticator key (printed, never stored
        in clear), so that the demo needs no typing before it serves and still has a second factor."""
        actor = Actor("cli:demo")
        password = accounts.generate_password()
        user = get_user_model().objects.filter(username="demo").first()
        if user is None:
            user = accounts.create_user("demo", roles.ADMINISTRATOR, password=password, actor=actor,
                                        reason="demo account")
        else:
            accounts.set_role(user, roles.ADMINISTRATOR, actor=actor, reason="demo start")
            accounts.set_password(user, password, actor=actor, reason="demo start")
        secret, codes = accounts.enrol_second_factor(user, actor=actor, reason="demo start")
        return password, secret, codes[0]

    def _load(self, people: int, seed: int) -> None:
        self.stdout.write(f"generating {people} synthetic people (seed {seed}) and importing their events...")
        bar = tqdm(unit=" rows", file=sys.stderr, disable=not sys.stderr.isatty())
        rows = ((i, row) for i, row in enumerate(generate_rows(people=people, seed=seed, today=timezone.localdate()),
                                                 start=2))
        importer = Importer(f"demo(people={people},seed={seed})", actor=Actor("cli:demo"), default_visibility="public",
                            reason="synthetic demo data", progress=lambda n: bar.update(n - bar.n))
        report = importer.run(rows, [])
        bar.close()
        if not report.ok:
            for e in report.errors[:20]:
                self.stderr.write(str(e))
            raise CommandError(f"the demo generator produced {len(report.errors)} invalid rows (a bug)")
        self.stdout.write(f"{report.people_created} people, {report.events_created} events")
