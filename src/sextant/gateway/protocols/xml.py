"""XML bodies (rest-xml and query responses), read and written against botocore shapes."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from botocore.model import Shape

from .shapes import ShapeError, from_text, join, to_text

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_xml(body: bytes) -> ElementTree.Element:
    """The root element of `body`; ShapeError when it is not well-formed XML."""
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ShapeError("", f"The XML you provided was not well-formed: {exc}") from None


def read_element(shape: Shape, element: ElementTree.Element, path: str = "") -> Any:
    """Typed value of `element` read as `shape`."""
    kind = shape.type_name
    if kind == "structure":
        result: dict[str, Any] = {}
        children: dict[str, list[ElementTree.Element]] = {}
        for child in element:
            children.setdefault(_local(child.tag), []).append(child)
        for name, member in shape.members.items():
            tag = member.serialization.get("name", name)
            if member.serialization.get("xmlAttribute"):
                value = next((v for k, v in element.attrib.items() if _local(k) == tag), None)
                if value is not None:
                    result[name] = from_text(member, value, join(path, name))
                continue
            found = children.get(tag)
            if not found:
                continue
            if member.type_name == "list" and member.serialization.get("flattened"):
                result[name] = [read_element(member.member, item, join(path, name)) for item in found]
            elif member.type_name == "map" and member.serialization.get("flattened"):
                result[name] = _read_entries(member, found, join(path, name))
            else:
                result[name] = read_element(member, found[0], join(path, name))
        return result
    if kind == "list":
        return [read_element(shape.member, item, join(path, index + 1)) for index, item in enumerate(element)]
    if kind == "map":
        return _read_entries(shape, list(element), path)
    return from_text(shape, element.text or "", path)


def _read_entries(shape: Shape, entries: list[ElementTree.Element], path: str) -> dict[str, Any]:
    key_tag = shape.key.serialization.get("name", "key")
    value_tag = shape.value.serialization.get("name", "value")
    result = {}
    for entry in entries:
        parts = {_local(child.tag): child for child in entry}
        if key_tag in parts and value_tag in parts:
            key = parts[key_tag].text or ""
            result[key] = read_element(shape.value, parts[value_tag], join(path, key))
    return result


def write_element(out: list[str], tag: str, shape: Shape, value: Any) -> None:
    """Append `<tag>value</tag>` rendered as `shape` to `out`."""
    kind = shape.type_name
    if kind == "structure":
        attributes = "".join(
            f" {member.serialization.get('name', name)}={quoteattr(to_text(member, value[name]))}"
            for name, member in shape.members.items()
            if member.serialization.get("xmlAttribute") and value.get(name) is not None
        )
        if "xsi:" in attributes:
            attributes = f' xmlns:xsi="{XSI_NAMESPACE}"' + attributes
        out.append(f"<{tag}{attributes}>")
        write_members(out, shape, value)
        out.append(f"</{tag}>")
    elif kind == "list":
        if shape.serialization.get("flattened"):
            for item in value:
                write_element(out, tag, shape.member, item)
            return
        item_tag = shape.member.serialization.get("name", "member")
        out.append(f"<{tag}>")
        for item in value:
            write_element(out, item_tag, shape.member, item)
        out.append(f"</{tag}>")
    elif kind == "map":
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        flattened = shape.serialization.get("flattened")
        if not flattened:
            out.append(f"<{tag}>")
        for key, item in value.items():
            out.append(f"<{tag if flattened else 'entry'}><{key_tag}>{escape(str(key))}</{key_tag}>")
            write_element(out, value_tag, shape.value, item)
            out.append(f"</{tag if flattened else 'entry'}>")
        if not flattened:
            out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{escape(to_text(shape, value))}</{tag}>")


def write_members(out: list[str], shape: Shape, value: dict[str, Any], skip: frozenset[str] = frozenset()) -> None:
    """Append the child elements of a structure (attributes excluded)."""
    for name, member in shape.members.items():
        item = value.get(name)
        if item is None or name in skip or member.serialization.get("xmlAttribute"):
            continue
        write_element(out, member.serialization.get("name", name), member, item)


def document(tag: str, shape: Shape, value: Any, namespace: str | None,
             skip: frozenset[str] = frozenset()) -> bytes:
    """A whole XML document whose root `tag` holds the members of the structure `value`."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag}{xmlns}>']
    write_members(out, shape, value, skip)
    out.append(f"</{tag}>")
    return "".join(out).encode()
