from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app with gunicorn (a production WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)

    def handle(self, *args, **o):
        serve(o["host"], o["port"], o["workers"])


def serve(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from volia.wsgi import application

    class App(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self):
            return application

    App().run()
