"""Checks rendered Kubernetes manifests for ops/check-k8s: schemas first, then Viroscope's own rules.

Core kinds go through kubernetes-validate (the OpenAPI schemas of the given Kubernetes release, strict:
unknown fields fail); custom resources through the JSON Schemas in ops/k8s/schemas. Any other kind fails,
so a new CRD cannot slip in unchecked. Prints one line per file and exits 1 with every problem listed.
"""
import argparse
import json
import pathlib
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda-scaledobject.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda-triggerauthentication.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
}
# The predicate of the jobs_live partial index (migrations/0005_reliability.sql): a query with it reads only
# unfinished rows.
LIVE_INDEX_PREDICATE = "state IN ('available', 'retryable', 'running')"


def seconds(text):
    """A worker duration flag (540s, 9m, 1h, 500ms) in seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unreadable duration {text!r}")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def check_worker(deployment, problems, where):
    spec = deployment["spec"]["template"]["spec"]
    worker = next((c for c in spec["containers"] if c["name"] == "worker"), None)
    if worker is None:
        problems.append(f"{where}: the Deployment has no container named worker")
        return
    args = worker.get("args", [])
    grace = seconds(args[args.index("--shutdown-grace") + 1]) if "--shutdown-grace" in args else 540
    termination = spec.get("terminationGracePeriodSeconds", 30)
    if termination <= grace:
        problems.append(f"{where}: terminationGracePeriodSeconds {termination} must exceed --shutdown-grace "
                        f"({grace:g}s), or the kubelet kills workers finishing their jobs")
    if "--exit-when-idle" in args:
        problems.append(f"{where}: a Deployment worker must not --exit-when-idle (it would restart in a loop)")
    ports = {p.get("name"): p["containerPort"] for p in worker.get("ports", [])}
    env = {e["name"]: e for e in worker.get("env", [])}
    metrics_port = env.get("VIROSCOPE_METRICS_PORT", {}).get("value")
    if metrics_port is None or int(metrics_port) != ports.get("metrics"):
        problems.append(f"{where}: VIROSCOPE_METRICS_PORT must equal the container port named metrics")
    for probe in ("livenessProbe", "readinessProbe"):
        get = worker.get(probe, {}).get("httpGet", {})
        if get.get("path") != "/health" or get.get("port") not in ("metrics", ports.get("metrics")):
            problems.append(f"{where}: {probe} must GET /health on the metrics port")
    for name in ("VIROSCOPE_DATABASE_URL", "PGPASSWORD"):
        if "secretKeyRef" not in env.get(name, {}).get("valueFrom", {}):
            problems.append(f"{where}: {name} must come from a Secret, never a literal")
    if "limits" not in worker.get("resources", {}) or "requests" not in worker.get("resources", {}):
        problems.append(f"{where}: the worker needs resource requests and limits")
    mounts = {m["name"]: m for m in worker.get("volumeMounts", [])}
    images = mounts.get("images", {})
    if images.get("mountPath") != "/images" or not images.get("readOnly"):
        problems.append(f"{where}: the images must be mounted read-only at /images")
    if "--image-root" in args and args[args.index("--image-root") + 1] != images.get("mountPath"):
        problems.append(f"{where}: --image-root must be the images mount path")
    affinity = spec.get("affinity", {}).get("podAntiAffinity")
    if not affinity:
        problems.append(f"{where}: workers need podAntiAffinity to spread over nodes")


def check_rendered(documents, problems, where):
    by_kind = {}
    for doc in documents:
        by_kind.setdefault(doc["kind"], []).append(doc)
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    if "viroscope-worker" not in deployments:
        problems.append(f"{where}: no Deployment viroscope-worker")
    else:
        check_worker(deployments["viroscope-worker"], problems, where)
    if not by_kind.get("Job"):
        problems.append(f"{where}: no migrate Job")
    namespaces = {d["metadata"]["name"] for d in by_kind.get("Namespace", [])}
    for doc in documents:
        namespace = doc["metadata"].get("namespace")
        if doc["kind"] != "Namespace" and namespace not in namespaces:
            problems.append(f"{where}: {doc['kind']}/{doc['metadata']['name']} is in namespace {namespace}, "
                            f"which the overlay does not create ({sorted(namespaces)})")
    secrets = {d["metadata"]["name"]: d for d in by_kind.get("Secret", [])}
    for secret in secrets.values():
        if re.search(r"://[^/@]*:[^/@]*@", secret.get("stringData", {}).get("url", "")):
            problems.append(f"{where}: the database URL in Secret {secret['metadata']['name']} carries a password")
    # Secret references must resolve where the overlay ships the Secret (dev); prod expects one made by hand.
    if secrets:
        for deployment in deployments.values():
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref and ref["key"] not in secrets.get(ref["name"], {}).get("stringData", {}):
                        problems.append(f"{where}: {env['name']} refers to {ref['name']}/{ref['key']}, which is missing")
    services = by_kind.get("Service", [])
    for monitor in by_kind.get("ServiceMonitor", []):
        wanted = monitor["spec"]["selector"].get("matchLabels", {})
        matched = [s for s in services if wanted.items() <= s["metadata"].get("labels", {}).items()]
        ports = {p.get("name") for s in matched for p in s["spec"]["ports"]}
        for endpoint in monitor["spec"].get("endpoints", []):
            if endpoint.get("port") not in ports:
                problems.append(f"{where}: ServiceMonitor port {endpoint.get('port')} is on no selected Service")
    autoscalers = by_kind.get("ScaledObject", []) + by_kind.get("HorizontalPodAutoscaler", [])
    if len(autoscalers) > 1:
        problems.append(f"{where}: both a ScaledObject and an HPA scale the workers; they would fight")
    auths = {d["metadata"]["name"] for d in by_kind.get("TriggerAuthentication", [])}
    for scaler in autoscalers:
        target = scaler["spec"]["scaleTargetRef"]["name"]
        if target not in deployments:
            problems.append(f"{where}: {scaler['kind']} scales {target}, which is not a Deployment here")
    for scaled in by_kind.get("ScaledObject", []):
        for trigger in scaled["spec"]["triggers"]:
            ref = trigger.get("authenticationRef", {}).get("name")
            if ref is not None and ref not in auths:
                problems.append(f"{where}: trigger authentication {ref} is missing")
            if trigger["type"] == "postgresql":
                query = " ".join(trigger["metadata"]["query"].split())
                if LIVE_INDEX_PREDICATE not in query or "queue_pauses" not in query:
                    problems.append(f"{where}: the KEDA query must use the jobs_live predicate "
                                    f"({LIVE_INDEX_PREDICATE}) and leave paused queues out")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("--schemas", required=True, type=pathlib.Path)
    parser.add_argument("--mode", choices=["rendered", "files"], required=True)
    parser.add_argument("files", nargs="+", type=pathlib.Path)
    options = parser.parse_args()

    schemas = {key: json.loads((options.schemas / name).read_text()) for key, name in CRD_SCHEMAS.items()}
    problems = []
    for path in options.files:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
        kinds = []
        for doc in documents:
            key = (doc.get("apiVersion"), doc.get("kind"))
            name = f"{path.name}: {key[1]}/{doc.get('metadata', {}).get('name')}"
            kinds.append(key[1])
            if key in schemas:
                for error in jsonschema.Draft202012Validator(schemas[key]).iter_errors(doc):
                    problems.append(f"{name}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
                continue
            try:
                kubernetes_validate.validate(doc, options.kubernetes_version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{name}: no schema for {key[0]} {key[1]} (add one to ops/k8s/schemas)")
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{name}: {'/'.join(map(str, error.path))}: {error.message}")
        if options.mode == "rendered":
            check_rendered(documents, problems, path.name)
        print(f"ops/check-k8s: {path.name}: {len(documents)} resources ({', '.join(sorted(kinds))})")
    if problems:
        print("\n".join(f"ops/check-k8s: {p}" for p in problems), file=sys.stderr)
        sys.exit(1)
    print(f"ops/check-k8s: manifests are valid (Kubernetes {options.kubernetes_version}, strict; CRDs against "
          f"{options.schemas})")


if __name__ == "__main__":
    main()
