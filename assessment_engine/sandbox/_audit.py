"""The CPython audit hook installed in each run (stdlib only): defence in depth, not a boundary.

Loaded by path by the sandbox harness (``_child.py``), which calls ``install`` right before the
student's code. It refuses process creation, signals, sockets, ctypes, mmap, interpreter
introspection that reaches the harness, and opening files other than the stdlib (read) and the
run's work directory. CPython documents that audit hooks can be bypassed by native code; the
OS layers (rlimits, uid, namespaces, seccomp) are what must hold.
"""

from __future__ import annotations

import os
import sys

BLOCKED_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
        "subprocess.Popen",
        "pty.spawn",
        "socket.__new__",
        "socket.connect",
        "socket.bind",
        "socket.sendto",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.cdata",
        "ctypes.call_function",
        "ctypes.addressof",
        "ctypes.string_at",
        "ctypes.wstring_at",
        "ctypes.create_string_buffer",
        "mmap.__new__",
        "os.putenv",
        "os.unsetenv",
        "os.chmod",
        "os.chown",
        "os.link",
        "os.symlink",
        "os.setxattr",
        "resource.setrlimit",
        "resource.prlimit",
        "sys.addaudithook",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "os.chroot",
        "os.setuid",
        "os.setgid",
        "sys.setprofile",
        "sys.settrace",
        "_posixsubprocess.fork_exec",
        "os.add_dll_directory",
    }
)


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def install(workdir: str, readable: tuple[str, ...]) -> None:
    """Defence in depth only: CPython audit hooks can be bypassed by determined native code."""
    blocked = BLOCKED_EVENTS
    prefix = workdir + os.sep

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event in blocked or event.startswith("ctypes."):
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event == "open" and args and isinstance(args[0], str | bytes):
            path = os.path.abspath(os.fsdecode(args[0]))
            mode = args[1] if len(args) > 1 else None
            flags = args[2] if len(args) > 2 else 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS
            )
            inside = path == workdir or path.startswith(prefix)
            if not inside and (writing or not path.startswith(readable)):
                raise PermissionError(f"sandbox: opening {path!r} is not allowed")
        elif event == "import" and args and args[0] in ("_ctypes", "ctypes", "_posixsubprocess"):
            raise PermissionError(f"sandbox: importing {args[0]} is not allowed")

    sys.addaudithook(hook)
