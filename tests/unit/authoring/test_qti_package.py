"""QTI content packages: the manifest's item resources are imported; hostile zips are refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from assessment_engine.authoring import qti_package
from assessment_engine.authoring.detect import load_questions
from assessment_engine.authoring.errors import QtiPackageError, QtiSyntaxError
from assessment_engine.authoring.qti_package import parse_qti_package, read_qti_package

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def manifest(*resources: tuple[str, str]) -> str:
    rows = "".join(
        f'<resource identifier="r{n}" type="{kind}" href="{href}"><file href="{href}"/></resource>'
        for n, (kind, href) in enumerate(resources)
    )
    return (
        '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m">'
        f"<organizations/><resources>{rows}</resources></manifest>"
    )


def package(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_package_items_are_imported_in_manifest_order(tmp_path):
    data = package(
        {
            "imsmanifest.xml": manifest(
                ("imsqti_item_xmlv3p0", "items/water.xml"),
                ("webcontent", "style.css"),
                ("imsqti_item_xmlv2p1", "items/gases.xml"),
            ),
            "items/water.xml": (EXAMPLES / "sample_item_qti30.xml").read_bytes(),
            "items/gases.xml": (EXAMPLES / "sample_item_qti21.xml").read_bytes(),
            "style.css": "p {}",
        }
    )
    assert [q.id for q in parse_qti_package(data)] == ["sci101-water", "sci101-noble-gases"]
    path = tmp_path / "exam.zip"
    path.write_bytes(data)
    assert len(load_questions(path)) == 2
    assert len(load_questions(data)) == 2


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"other.xml": "<a/>"}, "imsmanifest.xml"),
        ({"imsmanifest.xml": manifest(("webcontent", "a.css"))}, "no QTI item"),
        (
            {"imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "../../etc/passwd"))},
            "leaves the package",
        ),
        ({"imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "missing.xml"))}, "no file"),
        ({"imsmanifest.xml": "<manifest><unclosed></manifest>"}, "imsmanifest.xml"),
    ],
    ids=["no-manifest", "no-items", "path-escape", "missing-item", "bad-manifest"],
)
def test_broken_or_hostile_packages_are_refused(files, fragment):
    with pytest.raises(QtiSyntaxError, match=fragment):
        parse_qti_package(package(files))


def test_not_a_zip_is_a_syntax_error():
    with pytest.raises(QtiSyntaxError):
        parse_qti_package(b"PK\x03\x04 definitely not a zip")


def test_members_that_decompress_past_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(qti_package, "MAX_MEMBER_BYTES", 10_000)  # the real limit is 20 MB
    bomb = package(
        {
            "imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "big.xml")),
            "big.xml": b"\0" * 200_000,
        }
    )
    assert len(bomb) < 5_000
    with pytest.raises(QtiSyntaxError, match="limit"):
        parse_qti_package(bomb)


def _zip_with(info: zipfile.ZipInfo, content: bytes, extra: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in extra.items():
            archive.writestr(name, body)
        archive.writestr(info, content)
    return buffer.getvalue()


ITEM_MANIFEST = manifest(("imsqti_item_xmlv2p1", "items/gases.xml"))


@pytest.mark.parametrize(
    ("name", "mode", "fragment"),
    [
        ("../evil.xml", 0o100644, "leave the package"),
        ("/etc/evil.xml", 0o100644, "leave the package"),
        ("items\\evil.xml", 0o100644, "leave the package"),
        ("C:/evil.xml", 0o100644, "leave the package"),
        ("items/link.xml", 0o120777, "symbolic link"),
    ],
    ids=["dotdot", "absolute", "backslash", "drive", "symlink"],
)
def test_unsafe_members_refuse_the_whole_package_even_unreferenced(name, mode, fragment):
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    data = _zip_with(
        info,
        b"/etc/passwd",
        {
            "imsmanifest.xml": ITEM_MANIFEST,
            "items/gases.xml": (EXAMPLES / "sample_item_qti21.xml").read_bytes(),
        },
    )
    with pytest.raises(QtiPackageError, match=fragment):
        parse_qti_package(data)


def test_too_many_members_are_refused(monkeypatch):
    monkeypatch.setattr(qti_package, "MAX_MEMBERS", 3)  # the real limit is 10,000
    files = {f"f{i}.txt": "x" for i in range(4)} | {"imsmanifest.xml": ITEM_MANIFEST}
    with pytest.raises(QtiPackageError, match="more than 3 members"):
        parse_qti_package(package(files))


def test_hrefs_are_resolved_against_xml_base_and_the_test_orders_the_exam():
    item_a = (EXAMPLES / "sample_item_qti21.xml").read_bytes()
    item_b = (EXAMPLES / "sample_item_qti30.xml").read_bytes()
    test = (
        '<assessmentTest xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="t"'
        ' title="SCI-101 final"><testPart identifier="p" navigationMode="linear"'
        ' submissionMode="individual"><assessmentSection identifier="s" title="s" visible="true">'
        '<assessmentItemRef identifier="b" href="../items/water.xml"/>'
        '<assessmentItemRef identifier="a" href="../items/gases.xml"/>'
        "</assessmentSection></testPart></assessmentTest>"
    )
    manifest_xml = (
        '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m"'
        ' xmlns:xml="http://www.w3.org/XML/1998/namespace">'
        "<organizations><organization><title>Org title</title></organization></organizations>"
        '<resources><resource identifier="a" type="imsqti_item_xmlv2p1" xml:base="items/"'
        ' href="gases.xml"/><resource identifier="b" type="imsqti_item_xmlv3p0"'
        ' href="items/water.xml"/><resource identifier="t" type="imsqti_test_xmlv2p1"'
        ' href="tests/test.xml"/></resources></manifest>'
    )
    data = package(
        {
            "imsmanifest.xml": manifest_xml,
            "items/gases.xml": item_a,
            "items/water.xml": item_b,
            "tests/test.xml": test,
        }
    )
    exam = read_qti_package(data)
    assert exam.title == "SCI-101 final"
    assert [q.id for q in exam.questions] == ["sci101-water", "sci101-noble-gases"]


def test_a_package_without_a_test_keeps_manifest_order_and_the_organization_title():
    manifest_xml = ITEM_MANIFEST.replace(
        "<organizations/>",
        "<organizations><organization><title>Org title</title></organization></organizations>",
    )
    data = package(
        {
            "imsmanifest.xml": manifest_xml,
            "items/gases.xml": (EXAMPLES / "sample_item_qti21.xml").read_bytes(),
        }
    )
    exam = read_qti_package(data)
    assert (exam.title, [q.id for q in exam.questions]) == ("Org title", ["sci101-noble-gases"])


def test_a_broken_item_in_a_package_names_the_member():
    data = package({"imsmanifest.xml": ITEM_MANIFEST, "items/gases.xml": "<assessmentItem>"})
    with pytest.raises(QtiSyntaxError, match=r"items/gases\.xml"):
        parse_qti_package(data)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24  # the bytes are carried, not decoded
SDK = Path(__file__).resolve().parents[2] / "fixtures" / "qti" / "qti-sdk"


def test_images_the_package_holds_are_inlined_as_data_uris():
    """Graphic objects, gap images, a stage image and <img src> in the stem become data URIs
    when the package has the file; a reference it lacks stays as written."""
    data = package(
        {
            "imsmanifest.xml": manifest(
                ("imsqti_item_xmlv2p1", "items/gaps.xml"),
                ("imsqti_item_xmlv2p1", "items/luggage.xml"),
                ("imsqti_item_xmlv2p1", "items/position.xml"),
            ),
            "items/gaps.xml": (SDK / "graphic_gap_match.xml").read_bytes(),
            "items/luggage.xml": (SDK / "choice.xml").read_bytes(),
            "items/position.xml": (SDK / "position_object.xml").read_bytes(),
            "items/images/ukairtags.png": PNG,
            "items/images/GLA.png": PNG,
            "items/images/sign.png": PNG,
            "items/images/uk.png": PNG,
        }
    )
    gaps, luggage, position = parse_qti_package(data)
    uri = "data:image/png;base64,iVBORw0KGgo"
    (interaction,) = gaps.interactions
    assert interaction.image is not None
    assert interaction.image.data.startswith(uri)
    images = {c.identifier: c.image for c in interaction.choices}
    assert images["GLA"] is not None
    assert images["GLA"].startswith(uri)
    assert images["CBG"] == "images/CBG.png"  # not in the package: left as written
    assert f'src="{uri}' in luggage.text
    assert "images/sign.png" not in luggage.text
    assert str(position.interactions[0].attributes["stageImage"]).startswith(uri)


def test_oversized_images_and_non_images_are_not_inlined(monkeypatch):
    monkeypatch.setattr(qti_package, "MAX_IMAGE_BYTES", 10)
    data = package(
        {
            "imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "items/luggage.xml")),
            "items/luggage.xml": (SDK / "choice.xml").read_bytes(),
            "items/images/sign.png": PNG,
        }
    )
    (luggage,) = parse_qti_package(data)
    assert 'src="images/sign.png"' in luggage.text
