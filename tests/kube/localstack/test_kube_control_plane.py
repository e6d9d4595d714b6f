"""The control-plane launcher: RBAC is enforced, service-account tokens are real, data survives."""

from __future__ import annotations

import pytest

from exam_stack.localstack.kube_control_plane import ControlPlane, write_kubeconfig

pytestmark = pytest.mark.kube


def test_tokens_authenticate_service_accounts_and_rbac_refuses_what_is_not_granted(
    control_plane: ControlPlane, tmp_path
):
    control_plane.kubectl("create", "serviceaccount", "launcher-probe", "-n", "default")
    token = control_plane.service_account_token("default", "launcher-probe")
    config = write_kubeconfig(
        tmp_path / "probe.kubeconfig", control_plane.url, control_plane.certs.ca_cert,
        {"token": token},
    )  # fmt: skip
    whoami = control_plane.kubectl("auth", "whoami", kubeconfig=config).stdout
    assert "system:serviceaccount:default:launcher-probe" in whoami
    refused = control_plane.kubectl("get", "secrets", "-n", "default", kubeconfig=config,
                                    check=False)  # fmt: skip
    assert refused.returncode != 0
    assert "Forbidden" in refused.stderr
    revision = control_plane.etcd_revision()
    assert revision > 0
    assert control_plane.audit_events("system:serviceaccount:default:launcher-probe")
