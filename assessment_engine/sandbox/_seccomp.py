"""Per-architecture syscall numbers and the run's seccomp-BPF filter (stdlib only).

Loaded by path by the sandbox harness (``_child.py``), which installs the filter (``Template``)
in each run's process right before the student's code: it refuses (EPERM) the syscalls a grading
program never needs and an escape or an attack on the host would (sockets of every family, exec,
``mknod``/``mkfifo``, ``setsid`` beyond the harness's own, new processes where the run may have
only one, ptrace and cross-process memory, namespaces and mounts, kernel-surface extras such as
io_uring, bpf and keyrings), lets signals reach only the run's own process group, and kills a
process that switches syscall ABI (i386/x32 on x86_64). Works where namespaces do not (Lambda).
"""

from __future__ import annotations

import ctypes
import platform
import struct

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_BIT = 0x40000000

# name -> (x86_64, aarch64); None where the architecture has no such syscall
SYSCALLS: dict[str, tuple[int | None, int | None]] = {
    "socket": (41, 198),
    "socketpair": (53, 199),
    "setsid": (112, 157),  # the harness's own setsid() comes before the filter
    "mknod": (133, None),
    "mknodat": (259, 33),  # mkfifo, device nodes
    "fork": (57, None),  # refused only when the run may have one process
    "vfork": (58, None),
    "execve": (59, 221),
    "execveat": (322, 281),
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "kcmp": (312, 272),
    "pidfd_open": (434, 434),
    "pidfd_getfd": (438, 438),
    "pidfd_send_signal": (424, 424),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "unshare": (272, 97),
    "setns": (308, 268),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "personality": (135, 92),
    "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264),
    "fsopen": (430, 430),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "syslog": (103, 116),
    "acct": (163, 89),
    "capset": (126, 91),
    "kill": (62, 129),
    "tkill": (200, 130),
    "tgkill": (234, 131),
    "clone": (56, 220),
    "clone3": (435, 435),
}
SIGNALLING = ("kill", "tkill", "tgkill")
FORKING = ("fork", "vfork")
CLONE_THREAD = 0x00010000
CLONE_NAMESPACE_FLAGS = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_ERRNO, RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


def _machine() -> str | None:
    machine = platform.machine()
    return machine if machine in AUDIT_ARCH else None


def number(name: str) -> int | None:
    """The syscall number of ``name`` on this machine (None: unknown arch or no such call)."""
    machine = _machine()
    if machine is None:
        return None
    return SYSCALLS[name][0 if machine == "x86_64" else 1]


PID_MARK = 0x5EC00001  # placeholders patched per run (see ``Template``)
NEG_PID_MARK = 0x5EC00002


def filter_program(
    own_pid: int, neg_pid: int | None = None, single: bool = False
) -> list[tuple[int, int, int, int]]:
    """BPF instructions (code, jt, jf, k) for a process whose pid (and pgid) is ``own_pid``.

    ``single``: the run may not create processes (``processes=1``): ``fork``/``vfork`` and any
    ``clone`` without ``CLONE_THREAD`` are refused (threads stay allowed).
    """
    machine = _machine()
    if machine is None:
        raise OSError("seccomp filter: unsupported architecture " + platform.machine())
    neg_pid = (-own_pid) & 0xFFFFFFFF if neg_pid is None else neg_pid
    index = 0 if machine == "x86_64" else 1
    deny = RET_ERRNO | EPERM
    prog = [
        (LD_W_ABS, 0, 0, 4),
        (JEQ_K, 1, 0, AUDIT_ARCH[machine]),
        (RET_K, 0, 0, RET_KILL_PROCESS),
    ]
    prog.append((LD_W_ABS, 0, 0, 0))  # A = syscall number
    if machine == "x86_64":
        prog += [(JGE_K, 0, 1, X32_BIT), (RET_K, 0, 0, RET_KILL_PROCESS)]
    for name, numbers in SYSCALLS.items():
        nr = numbers[index]
        if nr is None:
            continue
        if name in SIGNALLING:  # only to itself, its own group (0) or -own pgid (kill)
            allowed = [own_pid] + ([0, neg_pid] if name == "kill" else [])
            block = [(LD_W_ABS, 0, 0, 16)]
            block += [(JEQ_K, len(allowed) - i, 0, pid) for i, pid in enumerate(allowed)]
            block += [(RET_K, 0, 0, deny), (RET_K, 0, 0, RET_ALLOW)]
            prog += [(JEQ_K, 0, len(block), nr), *block]
        elif name in FORKING:
            if single:
                prog += [(JEQ_K, 0, 1, nr), (RET_K, 0, 0, deny)]
        elif name == "clone":  # threads and (unless single) fork, never new namespaces
            block = [(LD_W_ABS, 0, 0, 16), (JSET_K, 0, 1, CLONE_NAMESPACE_FLAGS)]
            block += [(RET_K, 0, 0, deny)]
            if single:
                block += [(JSET_K, 1, 0, CLONE_THREAD), (RET_K, 0, 0, deny)]
            block += [(RET_K, 0, 0, RET_ALLOW)]
            prog += [(JEQ_K, 0, len(block), nr), *block]
        elif name == "clone3":  # flags live in memory BPF cannot read: make libc fall back
            prog += [(JEQ_K, 0, 1, nr), (RET_K, 0, 0, RET_ERRNO | ENOSYS)]
        else:
            prog += [(JEQ_K, 0, 1, nr), (RET_K, 0, 0, deny)]
    prog.append((RET_K, 0, 0, RET_ALLOW))
    return prog


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


class Template:
    """The filter assembled once (in the zygote); ``install`` patches the run's pid in place.

    ``single``: the variant for runs limited to one process (see ``filter_program``).
    """

    def __init__(self, single: bool = False) -> None:
        prog = filter_program(PID_MARK, NEG_PID_MARK, single)
        self.count = len(prog)
        self.raw = b"".join(struct.pack("HBBI", *ins) for ins in prog)
        self.pid_offsets = [8 * i + 4 for i, ins in enumerate(prog) if ins[3] == PID_MARK]
        self.neg_offsets = [8 * i + 4 for i, ins in enumerate(prog) if ins[3] == NEG_PID_MARK]

    def install(self, own_pid: int, libc: ctypes.CDLL) -> None:
        """Install on the calling process (needs PR_SET_NO_NEW_PRIVS already set)."""
        buffer = ctypes.create_string_buffer(self.raw, len(self.raw))
        for offset in self.pid_offsets:
            struct.pack_into("I", buffer, offset, own_pid & 0xFFFFFFFF)
        for offset in self.neg_offsets:
            struct.pack_into("I", buffer, offset, (-own_pid) & 0xFFFFFFFF)
        fprog = _SockFprog(self.count, ctypes.cast(buffer, ctypes.c_void_p))
        if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "seccomp filter refused")
