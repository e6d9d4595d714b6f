"""Landlock confinement of one run (stdlib only, raw syscalls through ctypes).

Loaded by path by the sandbox harness (``_child.py``), which calls ``restrict`` in each run's
process after its rlimits and before the seccomp filter. The kernel then lets the run read only
the interpreter's standard library and the system's shared libraries, read ``/dev/null``,
``/dev/zero`` and ``/dev/urandom``, and read or write only inside its own run directory; every
other path (``/etc``, ``/proc``, ``/tmp``, ``/dev/shm``, the project's source, another run's
directory) is refused with EACCES whatever the process does in Python or native code. From ABI 4
TCP bind/connect are refused too, from ABI 6 signals and abstract unix sockets cannot leave the
run's Landlock domain. Unprivileged (needs only ``PR_SET_NO_NEW_PRIVS``), Linux 5.13+.
"""

from __future__ import annotations

import ctypes
import os
import struct

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # same on x86_64, aarch64
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
ACCESS_V1 = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
O_PATH = 0o10000000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI (0: not built in or disabled at boot)."""
    version = _libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(0, int(version))


def handled_fs(abi: int) -> int:
    """Every file-system right this ABI knows (all of them are denied unless a rule grants)."""
    rights = ACCESS_V1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def _ruleset_attr(abi: int) -> bytes:
    fs = handled_fs(abi)
    if abi >= 6:
        scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        return struct.pack("QQQ", fs, NET_BIND_TCP | NET_CONNECT_TCP, scoped)
    if abi >= 4:
        return struct.pack("QQ", fs, NET_BIND_TCP | NET_CONNECT_TCP)
    return struct.pack("Q", fs)


def _fail(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"landlock {what}: {os.strerror(err)}")


def _add(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # absent on this layer's root: nothing to grant
    try:
        if not os.path.isdir(path):
            access &= FILE_ONLY
        attr = ctypes.create_string_buffer(struct.pack("=Qi", access, fd), 12)
        if _libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, attr, 0) != 0:
            raise _fail(f"add_rule {path}")
    finally:
        os.close(fd)


def restrict(abi: int, readable: tuple[str, ...], writable: str) -> None:
    """Confine the calling process (and all it forks) for good; needs NO_NEW_PRIVS set."""
    attr_bytes = _ruleset_attr(abi)
    attr = ctypes.create_string_buffer(attr_bytes, len(attr_bytes))
    ruleset = _libc.syscall(SYS_CREATE_RULESET, attr, ctypes.c_size_t(len(attr_bytes)), 0)
    if ruleset < 0:
        raise _fail("create_ruleset")
    try:
        read = READ_FILE | READ_DIR | EXECUTE
        for path in readable:
            _add(ruleset, path, read)
        for device in ("/dev/null", "/dev/zero"):
            _add(ruleset, device, READ_FILE | WRITE_FILE)
        _add(ruleset, "/dev/urandom", READ_FILE)
        _add(ruleset, writable, handled_fs(abi))
        if _libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
            raise _fail("restrict_self")
    finally:
        os.close(ruleset)
