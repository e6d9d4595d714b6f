"""IMS content packages (QTI 2.x / 3.0 zips as TAO, Onyx and others export): one exam.

``read_qti_package(zip_bytes) -> QtiPackage`` (title + questions in item order) and
``parse_qti_package(zip_bytes) -> list[Question]``; called by `authoring.detect` for content
starting with the zip signature and by the CLI. A package is a zip with an ``imsmanifest.xml``
whose ``resource`` elements of type ``imsqti_item_xmlv2p0|v2p1|v2p2|v3p0`` point (``href``,
relative to the resource's and manifest's ``xml:base``) at item files. When the package holds
an assessment test (``imsqti_test_xmlv2p1|v2p2|v3p0``), the items come in the test's order
(``assessmentItemRef`` hrefs, resolved against the test file, sections in document order) and
the test's title is the exam's (items the test does not use are left out); otherwise in
manifest order, titled by the manifest's
organization. Every item file is imported with `authoring.qti.parse_qti`.

Images the items reference by a relative path that the package holds (a graphic
interaction's object, a gap image, a position object's stage, ``<img src>`` in stems, prompts,
choices and hot-text content) are inlined as ``data:`` URIs (PNG, JPEG, GIF, WebP, SVG; at most
``MAX_IMAGE_BYTES`` each), so the student page shows them without serving package files;
other references are left as they are.

Safe reading, checked before anything is decompressed and while decompressing: at most
``MAX_MEMBERS`` members and ``MAX_TOTAL_BYTES`` declared in all, ``MAX_MEMBER_BYTES`` per member
(counted while inflating, so a zip bomb stops early), no member name that is absolute, holds
``..``, a backslash or a drive letter, no symlink or encrypted member, no duplicate name. Nothing
is ever written to disk: members are read by name. Problems are `QtiPackageError` (a
`QtiSyntaxError`), naming the member.
"""

from __future__ import annotations

import base64
import io
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from assessment_engine.authoring.errors import QtiError, QtiPackageError
from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading.models import QtiChoice, QtiInteraction, QtiQuestion, Question
from assessment_engine.grading.qti.errors import QtiInvalidItemError
from assessment_engine.grading.qti.xml import parse_raw

ZIP_MAGIC = b"PK\x03\x04"
ITEM_TYPES = (
    "imsqti_item_xmlv2p0",
    "imsqti_item_xmlv2p1",
    "imsqti_item_xmlv2p2",
    "imsqti_item_xmlv3p0",
)
TEST_TYPES = ("imsqti_test_xmlv2p1", "imsqti_test_xmlv2p2", "imsqti_test_xmlv3p0")
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 20_000_000
MAX_TOTAL_BYTES = 200_000_000
MAX_IMAGE_BYTES = 2_000_000
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
_DRIVE = re.compile(r"^[A-Za-z]:")
_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])([^"']*)\2""", re.IGNORECASE)
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class QtiPackage:
    """An imported package: the exam's title and its questions in item order."""

    title: str | None
    questions: list[Question]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or _DRIVE.match(name) or ".." in parts:
        raise QtiPackageError(f"member {name!r} would leave the package")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise QtiPackageError(f"member {name!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise QtiPackageError(f"member {name!r} is encrypted")


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise QtiPackageError(f"not a readable zip package: {exc}") from exc
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise QtiPackageError(f"package has more than {MAX_MEMBERS} members")
    if sum(m.file_size for m in members) > MAX_TOTAL_BYTES:
        raise QtiPackageError(f"package declares more than {MAX_TOTAL_BYTES} bytes")
    names = [m.filename for m in members]
    if len(set(names)) != len(names):
        raise QtiPackageError("package holds two members with one name")
    for info in members:
        _check_member(info)
    return archive


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise QtiPackageError(f"package has no file {name!r}") from exc
    if info.file_size > MAX_MEMBER_BYTES:
        raise QtiPackageError(f"{name}: {info.file_size} bytes is over the limit")
    try:
        with archive.open(info) as member:
            data = member.read(MAX_MEMBER_BYTES + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise QtiPackageError(f"{name}: unreadable zip member: {exc}") from exc
    if len(data) > MAX_MEMBER_BYTES:
        raise QtiPackageError(f"{name}: decompresses past the size limit")
    return data


def _xml(data: bytes, name: str) -> Element:
    try:
        return parse_raw(data)
    except QtiInvalidItemError as exc:
        raise QtiPackageError(f"{name}: {exc}") from exc


def resolve(base: str, href: str, where: str) -> str:
    """``href`` relative to directory ``base`` inside the package, or `QtiPackageError`."""
    if not href or href.startswith("/") or "\\" in href or "://" in href or _DRIVE.match(href):
        raise QtiPackageError(f"{where}: href {href!r} does not name a file in the package")
    path = posixpath.normpath(posixpath.join(base, href.split("#", 1)[0]))
    if path == ".." or path.startswith("../"):
        raise QtiPackageError(f"{where}: href {href!r} leaves the package")
    return path


class _Images:
    """Package images by reference, as data URIs (relative to one item's directory)."""

    def __init__(self, archive: zipfile.ZipFile, base: str) -> None:
        self.archive, self.base = archive, base
        self.names = set(archive.namelist())

    def uri(self, ref: str) -> str:
        mime = IMAGE_TYPES.get(posixpath.splitext(ref.split("#", 1)[0])[1].lower())
        if mime is None or ref.startswith("data:"):
            return ref
        try:
            path = resolve(self.base, ref, "image")
        except QtiPackageError:
            return ref  # an absolute URL or a path outside: left as the item wrote it
        if path not in self.names or self.archive.getinfo(path).file_size > MAX_IMAGE_BYTES:
            return ref
        return f"data:{mime};base64,{base64.b64encode(_read(self.archive, path)).decode()}"

    def html(self, text: str) -> str:
        return _IMG_SRC.sub(lambda m: f"{m[1]}{m[2]}{self.uri(m[3])}{m[2]}", text)

    def choice(self, c: QtiChoice) -> QtiChoice:
        return c.model_copy(
            update={"text": self.html(c.text), "image": self.uri(c.image) if c.image else None}
        )

    def interaction(self, i: QtiInteraction) -> QtiInteraction:
        attributes = dict(i.attributes)
        if isinstance(attributes.get("stageImage"), str):
            attributes["stageImage"] = self.uri(str(attributes["stageImage"]))
        image = i.image.model_copy(update={"data": self.uri(i.image.data)}) if i.image else None
        return i.model_copy(
            update={
                "prompt": self.html(i.prompt),
                "content": self.html(i.content),
                "choices": tuple(self.choice(c) for c in i.choices),
                "targets": tuple(self.choice(c) for c in i.targets),
                "image": image,
                "attributes": attributes,
            }
        )

    def question(self, q: Question) -> Question:
        if not isinstance(q, QtiQuestion):
            return q
        return q.model_copy(
            update={
                "text": self.html(q.text),
                "interactions": tuple(self.interaction(i) for i in q.interactions),
            }
        )


def _resources(manifest: Element) -> tuple[list[str], list[str], str | None]:
    """Item paths and test paths in manifest order, and the organization's title."""
    items: list[str] = []
    tests: list[str] = []
    manifest_base = manifest.get(_XML_BASE, "")
    title = None
    for el in manifest.iter():
        if _local(el.tag) == "organization" and title is None:
            title_el = next((c for c in el if _local(c.tag) == "title"), None)
            title = (title_el.text or "").strip() if title_el is not None else None
        if _local(el.tag) != "resource" or not el.get("href"):
            continue
        kind = el.get("type", "")
        base = posixpath.join(manifest_base, el.get(_XML_BASE, ""))
        if kind.startswith(ITEM_TYPES):
            items.append(resolve(base, el.get("href", ""), "imsmanifest.xml"))
        elif kind.startswith(TEST_TYPES):
            tests.append(resolve(base, el.get("href", ""), "imsmanifest.xml"))
    return items, tests, title or None


def _test_order(archive: zipfile.ZipFile, test_path: str) -> tuple[list[str], str | None]:
    test = _xml(_read(archive, test_path), test_path)
    base = posixpath.dirname(test_path)
    refs = [
        resolve(base, el.get("href", ""), test_path)
        for el in test.iter()
        if _local(el.tag) in ("assessmentItemRef", "qti-assessment-item-ref")
    ]
    return refs, test.get("title")


def read_qti_package(data: bytes) -> QtiPackage:
    """Import a QTI content package as one exam (see module docstring)."""
    with _open(data) as archive:
        items, tests, title = _resources(_xml(_read(archive, "imsmanifest.xml"), "imsmanifest.xml"))
        if tests:
            order, test_title = _test_order(archive, tests[0])
            title = test_title or title
            items = order  # the test is the exam: its items, in its order
        if not items:
            raise QtiPackageError("imsmanifest.xml lists no QTI item resources")
        questions: list[Question] = []
        for path in dict.fromkeys(items):
            try:
                images = _Images(archive, posixpath.dirname(path))
                questions.extend(images.question(q) for q in parse_qti(_read(archive, path)))
            except QtiPackageError:
                raise
            except QtiError as exc:
                raise type(exc)(f"{path}: {exc}") from exc
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise QtiPackageError("two items of the package share an identifier")
    return QtiPackage(title, questions)


def parse_qti_package(data: bytes) -> list[Question]:
    """The questions of a QTI content package, in item order."""
    return read_qti_package(data).questions
