#!/usr/bin/env python3
"""deploy/kubernetes: the manifests parse, and the fields that matter are right — images pinned,
commands, ports wired to probes, environment (every ROADSENSE_* variable names a real flag of
its binary), resources, PodDisruptionBudgets, the queue's volume and the KEDA aws-sqs-queue
scaler's metadata.
Usage: kubernetes_manifests_test.py SOURCE_DIR
"""
import glob
import os
import re
import sys
import unittest

import yaml

SOURCE_DIR = sys.argv[1]
K8S_DIR = os.path.join(SOURCE_DIR, "deploy", "kubernetes")


def load():
    docs = []
    for path in sorted(glob.glob(os.path.join(K8S_DIR, "*.yaml"))):
        with open(path) as f:
            docs += [d for d in yaml.safe_load_all(f) if d]
    return docs


DOCS = load()


def find(kind, name):
    for d in DOCS:
        if d["kind"] == kind and d["metadata"]["name"] == name:
            return d
    raise AssertionError(f"no {kind} {name}")


def container(workload):
    (c,) = workload["spec"]["template"]["spec"]["containers"]
    return c


def flags_of(binary):
    """The flag names a binary registers with FlagSet (from its main.cc), plus --config."""
    folder = {"roadsense-queue": "queue", "roadsense-receiver": "receiver",
              "roadsense-worker": "worker"}[binary]
    with open(os.path.join(SOURCE_DIR, folder, "main.cc")) as f:
        text = f.read()
    return set(re.findall(r'Add(?:String|Int|Double|Bool)\(\s*"([a-z0-9-]+)"', text)) | {"config"}


WORKLOADS = [("StatefulSet", "roadsense-queue"), ("Deployment", "roadsense-receiver"),
             ("Deployment", "roadsense-worker")]


# Variables sqs::SqsClient reads, as the AWS SDKs do.
AWS_SDK_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}


class KubernetesManifests(unittest.TestCase):
    def test_every_document_has_kind_and_name(self):
        for d in DOCS:
            self.assertIn("kind", d)
            if d["kind"] != "Kustomization":
                self.assertTrue(d["metadata"]["name"])

    def test_kustomization_lists_every_manifest(self):
        kustomization = find_kind("Kustomization")
        files = {os.path.basename(p) for p in glob.glob(os.path.join(K8S_DIR, "*.yaml"))}
        self.assertEqual(set(kustomization["resources"]) | {"kustomization.yaml"}, files)

    def test_images_are_pinned_and_commands_name_the_tier(self):
        for kind, name in WORKLOADS:
            c = container(find(kind, name))
            with self.subTest(workload=name):
                self.assertRegex(c["image"], r"^[\w./-]+:\d+\.\d+\.\d+$")  # no :latest
                self.assertEqual(c["command"], [f"/usr/local/bin/{name}"])

    def test_probes_use_declared_ports(self):
        for kind, name in WORKLOADS:
            c = container(find(kind, name))
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            for probe in ("readinessProbe", "livenessProbe"):
                with self.subTest(workload=name, probe=probe):
                    self.assertIn(probe, c)
                    self.assertIn(c[probe]["httpGet"]["port"], ports)
        self.assertEqual(container(find("Deployment", "roadsense-receiver"))
                         ["readinessProbe"]["httpGet"]["path"], "/readyz")

    def test_listen_addresses_match_container_ports(self):
        for kind, name in WORKLOADS:
            c = container(find(kind, name))
            env = {e["name"]: e.get("value") for e in c["env"]}
            ports = {p["containerPort"] for p in c["ports"]}
            for var in ("ROADSENSE_LISTEN", "ROADSENSE_METRICS_LISTEN"):
                if var in env:
                    with self.subTest(workload=name, var=var):
                        self.assertIn(int(env[var].rsplit(":", 1)[1]), ports)

    def test_environment_names_real_flags(self):
        for kind, name in WORKLOADS:
            c = container(find(kind, name))
            known = flags_of(name)
            for e in c["env"]:
                with self.subTest(workload=name, env=e["name"]):
                    if e["name"] in AWS_SDK_VARIABLES:
                        # The SQS client's standard credentials; secrets only from a Secret.
                        if e["name"] != "AWS_REGION":
                            self.assertIn("secretKeyRef", e.get("valueFrom", {}))
                        continue
                    self.assertTrue(e["name"].startswith("ROADSENSE_"), e["name"])
                    flag = e["name"].removeprefix("ROADSENSE_").lower().replace("_", "-")
                    self.assertIn(flag, known, f"{name} has no flag --{flag}")

    def test_no_secrets_in_environment_values(self):
        for kind, name in WORKLOADS:
            for e in container(find(kind, name))["env"]:
                with self.subTest(env=e["name"]):
                    self.assertNotRegex(str(e.get("value", "")), r"password=|SECRET|secret_key")

    def test_resources_and_security(self):
        for kind, name in WORKLOADS:
            c = container(find(kind, name))
            with self.subTest(workload=name):
                self.assertIn("cpu", c["resources"]["requests"])
                self.assertIn("memory", c["resources"]["requests"])
                self.assertIn("memory", c["resources"]["limits"])
                sc = c["securityContext"]
                self.assertTrue(sc["runAsNonRoot"])
                self.assertFalse(sc["allowPrivilegeEscalation"])
                self.assertTrue(sc["readOnlyRootFilesystem"])

    def test_queue_statefulset_keeps_its_log_on_a_volume(self):
        queue = find("StatefulSet", "roadsense-queue")
        (claim,) = queue["spec"]["volumeClaimTemplates"]
        mounts = {m["name"]: m["mountPath"] for m in container(queue)["volumeMounts"]}
        env = {e["name"]: e["value"] for e in container(queue)["env"]}
        self.assertEqual(mounts[claim["metadata"]["name"]], env["ROADSENSE_DATA_DIR"])
        self.assertEqual(queue["spec"]["replicas"], 1)

    def test_every_workload_has_a_disruption_budget(self):
        for kind, name in WORKLOADS:
            pdb = find("PodDisruptionBudget", name)
            labels = find(kind, name)["spec"]["template"]["metadata"]["labels"]
            with self.subTest(workload=name):
                for k, v in pdb["spec"]["selector"]["matchLabels"].items():
                    self.assertEqual(labels[k], v)

    def test_services_select_their_pods(self):
        for d in DOCS:
            if d["kind"] != "Service":
                continue
            name = d["metadata"]["name"]
            workload = next(w for w in DOCS if w["kind"] in ("Deployment", "StatefulSet")
                            and w["metadata"]["name"] == name)
            ports = {p["name"] for p in container(workload)["ports"]}
            with self.subTest(service=name):
                labels = workload["spec"]["template"]["metadata"]["labels"]
                for k, v in d["spec"]["selector"].items():
                    self.assertEqual(labels[k], v)
                for p in d["spec"]["ports"]:
                    self.assertIn(p["targetPort"], ports)

    def test_keda_scaler_targets_the_worker_queue(self):
        so = find("ScaledObject", "roadsense-worker")
        self.assertEqual(so["spec"]["scaleTargetRef"]["name"], "roadsense-worker")
        self.assertLessEqual(so["spec"]["minReplicaCount"], so["spec"]["maxReplicaCount"])
        (trigger,) = so["spec"]["triggers"]
        self.assertEqual(trigger["type"], "aws-sqs-queue")
        meta = trigger["metadata"]
        # KEDA's documented metadata: queueURL (or queueURLFromEnv), queueLength, awsRegion,
        # awsEndpoint, activationQueueLength, scaleOnInFlight, scaleOnDelayed; values are strings.
        allowed = {"queueURL", "queueURLFromEnv", "queueLength", "activationQueueLength",
                   "awsRegion", "awsEndpoint", "scaleOnInFlight", "scaleOnDelayed",
                   "identityOwner"}
        self.assertLessEqual(set(meta), allowed)
        for key in ("queueURL", "queueLength", "awsRegion"):
            self.assertIn(key, meta)
        for value in meta.values():
            self.assertIsInstance(value, str)
        self.assertGreater(int(meta["queueLength"]), 0)
        # Same queue as the workers poll (by queue name; the host may be fully qualified).
        worker_env = {e["name"]: e.get("value")
                      for e in container(find("Deployment", "roadsense-worker"))["env"]}
        self.assertEqual(meta["queueURL"].rsplit("/", 2)[1:],
                         worker_env["ROADSENSE_QUEUE_URL"].rsplit("/", 2)[1:])
        self.assertTrue(meta["queueURL"].startswith(meta["awsEndpoint"]))
        auth = find("TriggerAuthentication", trigger["authenticationRef"]["name"])
        params = {r["parameter"] for r in auth["spec"]["secretTargetRef"]}
        self.assertEqual(params, {"awsAccessKeyID", "awsSecretAccessKey"})


def find_kind(kind):
    (d,) = [d for d in DOCS if d["kind"] == kind]
    return d


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
