#!/usr/bin/env python3
"""deploy/grafana: the dashboard is valid JSON, and every roadsense metric its queries name is
exported by the code of the tier its prefix names (roadsense_receiver_* in receiver/, ...), so a
renamed metric breaks this test instead of a panel.
Usage: grafana_dashboard_test.py SOURCE_DIR
"""
import glob
import json
import os
import re
import sys
import unittest

SOURCE_DIR = sys.argv[1]
DASHBOARD = os.path.join(SOURCE_DIR, "deploy", "grafana", "roadsense.json")
TIERS = {"receiver": "receiver", "queue": "queue", "worker": "worker", "autoscale": "autoscale"}
# Suffixes Prometheus adds to a histogram's series.
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def load():
    with open(DASHBOARD) as f:
        return json.load(f)


def panels(dashboard):
    for p in dashboard["panels"]:
        yield p
        yield from p.get("panels", [])


def exprs(dashboard):
    for p in panels(dashboard):
        for t in p.get("targets", []):
            yield p["title"], t["expr"]


def tier_source(tier):
    """Source text of a tier's folder, without the autoscaler's defaults for other tiers."""
    text = ""
    for path in glob.glob(os.path.join(SOURCE_DIR, TIERS[tier], "**", "*.cc"), recursive=True):
        with open(path) as f:
            text += f.read()
    return text


def exported(metric, sources):
    tier = metric.split("_")[1]
    if tier not in TIERS:
        return False
    text = sources.setdefault(tier, tier_source(tier))
    candidates = [metric] + [metric[: -len(s)] for s in HISTOGRAM_SUFFIXES if metric.endswith(s)]
    return any(re.search(r'"' + re.escape(c) + r'[" {]', text) for c in candidates)


class GrafanaDashboard(unittest.TestCase):
    def test_dashboard_has_panels_with_queries(self):
        d = load()
        self.assertEqual(d["uid"], "roadsense-pipeline")
        self.assertGreaterEqual(len(list(exprs(d))), 10)

    def test_every_metric_exists_in_the_code(self):
        sources = {}
        names = set()
        for title, expr in exprs(load()):
            for metric in re.findall(r"\broadsense_[a-z0-9_]+", expr):
                names.add(metric)
                with self.subTest(panel=title, metric=metric):
                    self.assertTrue(exported(metric, sources),
                                    f"{metric} (panel '{title}') is not exported by its tier")
        self.assertTrue(names)

    def test_covers_every_tier(self):
        text = " ".join(e for _, e in exprs(load()))
        for prefix in ("roadsense_receiver_", "roadsense_queue_", "roadsense_worker_",
                       "roadsense_autoscale_"):
            self.assertIn(prefix, text)

    def test_panels_use_the_datasource_variable(self):
        for p in panels(load()):
            if p["type"] != "row":
                with self.subTest(panel=p["title"]):
                    self.assertEqual(p["datasource"]["uid"], "${datasource}")

    def test_panel_ids_are_unique(self):
        ids = [p["id"] for p in panels(load())]
        self.assertEqual(len(ids), len(set(ids)))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
