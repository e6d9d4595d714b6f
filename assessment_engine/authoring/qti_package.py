"""QTI content packages: ``parse_qti_package(zip_bytes) -> list[Question]``.

Called by `authoring.detect` for files starting with the zip signature. A package is a zip with
an ``imsmanifest.xml`` whose ``resource`` elements of type ``imsqti_item_xmlv2p1``,
``imsqti_item_xmlv2p2`` or ``imsqti_item_xmlv3p0`` point (``href``) at item files; each item
file is imported with `authoring.qti.parse_qti`, in manifest order. The manifest is parsed with
defusedxml like the items. Sizes are bounded before anything is decompressed (zip bombs), and
hrefs are looked up as zip member names only (nothing is extracted to disk).
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from assessment_engine.authoring.errors import QtiError, QtiSyntaxError
from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading.models import Question

ZIP_MAGIC = b"PK\x03\x04"
_ITEM_TYPES = ("imsqti_item_xmlv2p1", "imsqti_item_xmlv2p2", "imsqti_item_xmlv3p0")
_MAX_MEMBERS = 10_000
_MAX_MEMBER_BYTES = 20_000_000
_MAX_TOTAL_BYTES = 200_000_000


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise QtiSyntaxError(f"package has no file {name!r}") from exc
    if info.file_size > _MAX_MEMBER_BYTES:
        raise QtiSyntaxError(f"{name}: {info.file_size} bytes is over the limit")
    try:
        with archive.open(info) as member:
            data = member.read(_MAX_MEMBER_BYTES + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise QtiSyntaxError(f"{name}: unreadable zip member: {exc}") from exc
    if len(data) > _MAX_MEMBER_BYTES:
        raise QtiSyntaxError(f"{name}: decompresses past the size limit")
    return data


def _item_hrefs(manifest: bytes) -> list[str]:
    try:
        root = SafeET.fromstring(manifest, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError) as exc:
        raise QtiSyntaxError(f"imsmanifest.xml: {exc}") from exc
    hrefs = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.rsplit("}", 1)[-1] != "resource":
            continue
        if el.get("type", "").startswith(_ITEM_TYPES) and el.get("href"):
            href = posixpath.normpath(el.get("href", ""))
            if href.startswith(("/", "../")) or href == "..":
                raise QtiSyntaxError(f"imsmanifest.xml: href {href!r} leaves the package")
            hrefs.append(href)
    return hrefs


def parse_qti_package(data: bytes) -> list[Question]:
    """Import every item a QTI content package's manifest lists."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise QtiSyntaxError(f"not a readable zip package: {exc}") from exc
    with archive:
        members = archive.infolist()
        if len(members) > _MAX_MEMBERS or sum(m.file_size for m in members) > _MAX_TOTAL_BYTES:
            raise QtiSyntaxError("package too large")
        hrefs = _item_hrefs(_read(archive, "imsmanifest.xml"))
        if not hrefs:
            raise QtiSyntaxError("imsmanifest.xml lists no QTI item resources")
        questions: list[Question] = []
        for href in hrefs:
            try:
                questions.extend(parse_qti(_read(archive, href)))
            except QtiError as exc:
                raise type(exc)(f"{href}: {exc}") from exc
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise QtiSyntaxError("two items of the package share an identifier")
    return questions
