"""Script and SQL probes on the search boxes: escaped output, never a 5xx."""

from __future__ import annotations

from urllib.parse import quote

import pytest

PROBES = ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "' OR '1'='1", "\"; DROP TABLE x; --",
          "name* OR NEAR(a b)", "%_%", "\\", "Алесь' --"]


@pytest.mark.django_db
@pytest.mark.parametrize("probe", PROBES)
def test_search_probes_are_escaped(client, make_person, probe):
    make_person("pub-1", "Алесь Тэставы", visibility="public")
    for path in ("/people/?q=", "/en/people/?q=", "/api/v1/search?q="):
        r = client.get(path + quote(probe), follow=True)
        assert r.status_code < 500, (path, probe, r.status_code)
        body = r.content.decode()
        if path.startswith("/api/"):
            # JSON echoes the query as data: safe only as JSON that a browser will not sniff as HTML
            assert r["Content-Type"].startswith("application/json")
            assert r["X-Content-Type-Options"] == "nosniff"
            continue
        assert "<script>alert(1)" not in body and "<svg onload" not in body, (path, probe)
