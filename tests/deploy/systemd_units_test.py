#!/usr/bin/env python3
"""deploy/systemd: every unit passes `systemd-analyze verify` without a single warning, and every
service carries the hardening the deployment promises.

systemd-analyze checks that ExecStart names an executable, so the units are copied to a temp dir
with /usr/local/bin/ rewritten to the build's bin dir (ROADSENSE_BIN_DIR); a binary that is not
built there is replaced by a stub, because the unit's syntax, not the build, is under test.
Usage: systemd_units_test.py SOURCE_DIR BIN_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR, BIN_DIR = sys.argv[1], os.path.abspath(sys.argv[2])
UNIT_DIR = os.path.join(SOURCE_DIR, "deploy", "systemd")
UNITS = sorted(f for f in os.listdir(UNIT_DIR) if f.endswith(".service"))
HARDENING = {
    "User": "roadsense",
    "Group": "roadsense",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
    "SystemCallFilter": "@system-service",
}


def read(path):
    with open(path) as f:
        return f.read()


def directives(path):
    """{key: [values]} of a unit file (continuation lines are not used in our units)."""
    out = {}
    for line in read(path).splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


class SystemdUnits(unittest.TestCase):
    def test_expected_units_exist(self):
        self.assertEqual(
            set(UNITS),
            {"roadsense-queue.service", "roadsense-receiver.service",
             "roadsense-worker@.service", "roadsense-autoscale.service"})

    def test_systemd_analyze_verify_is_clean(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze not installed")
        with tempfile.TemporaryDirectory() as tmp:
            stubs = os.path.join(tmp, "bin")
            os.mkdir(stubs)
            copies = []
            for unit in UNITS:
                text = read(os.path.join(UNIT_DIR, unit))

                def local(m):
                    name = m.group(1)
                    built = os.path.join(BIN_DIR, name)
                    if os.access(built, os.X_OK):
                        return built
                    stub = os.path.join(stubs, name)
                    with open(stub, "w") as f:
                        f.write("#!/bin/sh\n")
                    os.chmod(stub, 0o755)
                    return stub

                text = re.sub(r"/usr/local/bin/(roadsense-[a-z]+)", local, text)
                copy = os.path.join(tmp, unit)
                with open(copy, "w") as f:
                    f.write(text)
                # A template is verified as one of its instances.
                copies.append(copy.replace("@.service", "@01.service") if "@." in unit else copy)
                if "@." in unit:
                    os.symlink(copy, copies[-1])
            result = subprocess.run(["systemd-analyze", "verify", *copies],
                                    capture_output=True, text=True, cwd=tmp)
            output = (result.stdout + result.stderr).strip()
            # verify exits 0 even for unknown directives: any output at all is a failure.
            self.assertEqual(result.returncode, 0, output)
            self.assertEqual(output, "", output)

    def test_every_unit_is_hardened(self):
        for unit in UNITS:
            d = directives(os.path.join(UNIT_DIR, unit))
            for key, value in HARDENING.items():
                with self.subTest(unit=unit, key=key):
                    self.assertIn(value, d.get(key, []), f"{unit}: {key}={value} missing")

    def test_every_unit_reads_its_config_file_and_restarts(self):
        for unit in UNITS:
            d = directives(os.path.join(UNIT_DIR, unit))
            with self.subTest(unit=unit):
                self.assertRegex(d["ExecStart"][0], r"--config /etc/roadsense/[a-z]+\.toml")
                self.assertEqual(d["Restart"], ["on-failure"])

    def test_queue_keeps_its_log_in_a_state_directory(self):
        d = directives(os.path.join(UNIT_DIR, "roadsense-queue.service"))
        self.assertEqual(d["StateDirectory"], ["roadsense-queue"])
        self.assertIn("--data-dir /var/lib/roadsense-queue", d["ExecStart"][0])

    def test_autoscaler_lets_its_workers_finish(self):
        d = directives(os.path.join(UNIT_DIR, "roadsense-autoscale.service"))
        self.assertEqual(d["KillMode"], ["mixed"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
