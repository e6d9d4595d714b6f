"""Namespaces and the minimal root file system of the sandbox zygote (stdlib only).

Loaded by path by the sandbox harness (``_child.py``): ``enter_namespaces`` runs once per zygote
(mount, network, IPC, UTS namespaces, plus a user namespace when not root; a read-only root of
system libraries and the interpreter via ``pivot_root``, the old root detached), and
``drop_capabilities`` runs in each run's process under a user namespace.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from collections.abc import Callable

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_CAPBSET_DROP = 24
CAP_LAST = 63

RO_BINDS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
DEV_FILES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
STAGING_DIRS = ("/mnt", "/srv", "/media", "/opt")
WORK_ROOT = "/sandbox"

_libc = ctypes.CDLL(None, use_errno=True)
SyscallNumber = Callable[[str], int | None]


def check(result: int, what: str) -> None:
    """Raise OSError with errno when a libc call returned non-zero."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str | None, dst: str, fstype: str | None, flags: int, data: str | None) -> None:
    enc = [None if s is None else s.encode() for s in (src, dst, fstype, data)]
    check(_libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]), f"mount {dst}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _bind_ro(src: str, dst: str) -> None:
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        open(dst, "a").close()
    _mount(src, dst, None, MS_BIND | MS_REC, None)
    keep = os.statvfs(src).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | 1024 | 2048 | 4096)
    _mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | keep, None)


def _build_root(python_prefix: str, number: SyscallNumber) -> None:
    """Minimal root: read-only system and Python, /dev basics, a tmpfs for work dirs."""
    # Stage the new root on a directory that exists and holds none of the sources: the tmpfs
    # lives only in this mount namespace, so nothing is left on the host.
    new_root = next(
        d
        for d in (*STAGING_DIRS, tempfile.gettempdir())
        if os.path.isdir(d) and not python_prefix.startswith(d + "/")
    )
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    binds: list[str] = []
    for src in (*RO_BINDS, python_prefix, *ETC_FILES, *DEV_FILES):
        if not os.path.lexists(src) or any(src.startswith(b + "/") for b in binds):
            continue
        dst = new_root + src
        if os.path.islink(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(os.readlink(src), dst)
            continue
        _bind_ro(src, dst)
        binds.append(src)
    os.makedirs(new_root + "/tmp", exist_ok=True)  # noqa: S108 - inside the new root
    os.makedirs(new_root + WORK_ROOT)
    _mount("tmpfs", new_root + WORK_ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=711")
    os.chdir(new_root)
    check(_libc.syscall(number("pivot_root"), b".", b"."), "pivot_root")
    check(_libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def enter_namespaces(number: SyscallNumber) -> str:
    """Enter the namespaces and the minimal root; the layer name."""
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    userns = uid != 0
    if userns:
        flags |= CLONE_NEWUSER
    check(_libc.unshare(flags), "unshare")
    if userns:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    _build_root(os.path.realpath(sys.base_prefix), number)
    return "namespaces+userns" if userns else "namespaces"


def drop_capabilities(number: SyscallNumber) -> None:
    """Drop every capability (bounding, effective, permitted, inheritable) of this process."""
    for cap in range(CAP_LAST + 1):
        _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    check(_libc.syscall(number("capset"), header, data), "capset")
