"""Output serializers that read a row in one dict comprehension instead of DRF's per-field machinery.

A ``ModelSerializer`` rebuilds its fields from the model on every request (``get_fields`` deep-copies and
introspects), then for every row and field walks ``get_attribute``/``to_representation``: on a 20-row list of
20 fields that is most of the request's CPU. ``FastOutput`` builds a plan once per class (which attribute to
read, how to turn it into JSON) from the same field declarations, so the output, the OpenAPI schema and the
validation of inputs stay DRF's own; method fields call their ``get_<name>`` method as DRF does; nested plain
serializers (one, or ``many=True``) of such fields are planned too, read from mappings or attributes along a
dotted source as DRF reads them; a class with a field the plan does not know (related fields, a nested method
field) keeps DRF's path. Whenever an attribute or key is missing (a default, ``allow_null`` or an error is
then DRF's business) the whole row is represented by DRF's own code instead.
``tests/unit/core/test_api_path.py`` checks that both paths give identical output.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Any, ClassVar, cast

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework import fields as f

#: (output name, attribute reader, converter); a method field is (name, method name, None).
Plan = list[tuple[str, Any, Callable[[Any], Any] | None]]
_UTC_NAMES = {"UTC", "Etc/UTC"}


def _iso_datetime(field: f.DateTimeField) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0):
            text = value.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return field.to_representation(value)

    return convert


def _converter(field: f.Field) -> Callable[[Any], Any] | None:
    kind = type(field)
    if kind is f.CharField:
        return str
    if kind is f.IntegerField:
        return int
    if kind is f.DateTimeField:
        output_format = getattr(field, "format", None)
        is_iso = output_format is None or output_format == ISO_8601
        if is_iso and str(timezone.get_current_timezone()) in _UTC_NAMES and not getattr(field, "timezone", None):
            return _iso_datetime(cast(f.DateTimeField, field))
        return field.to_representation
    if isinstance(field, serializers.BaseSerializer):
        return _nested_converter(field)
    if kind in (
        f.BigIntegerField,
        f.ChoiceField,
        f.BooleanField,
        f.FloatField,
        f.JSONField,
        f.ListField,
        f.UUIDField,
        f.DateField,
    ):
        return field.to_representation
    return None


class _Unplanned(Exception):
    """A value the plan does not represent (a nested list that is not a list): DRF represents the row."""


def _reader(source_attrs: list[str]) -> Callable[[Any], Any]:
    return attrgetter(source_attrs[0]) if len(source_attrs) == 1 else _nested_reader(source_attrs)


def _nested_reader(source_attrs: list[str]) -> Callable[[Any], Any]:
    """DRF's ``get_attribute`` without its fallbacks: a mapping is read by key, anything else by attribute."""

    def read(instance: Any) -> Any:
        for attr in source_attrs:
            instance = instance[attr] if isinstance(instance, Mapping) else getattr(instance, attr)
        return instance

    return read


def _nested(serializer: Any) -> Callable[[Any], Any] | None:
    plan: Plan = []
    for field in serializer._readable_fields:
        convert = _converter(field)
        if convert is None or field.source == "*":
            return None
        plan.append((field.field_name, _nested_reader(field.source_attrs), convert))

    def represent(instance: Any) -> dict[str, Any]:
        row = {}
        for name, read, convert in plan:
            value = read(instance)
            row[name] = None if value is None else convert(value)  # type: ignore[misc]
        return row

    return represent


def _is_plain(serializer: Any) -> bool:
    """A plain ``Serializer`` whose representation is DRF's per-field one (no model, no override)."""
    return (
        isinstance(serializer, serializers.Serializer)
        and not isinstance(serializer, serializers.ModelSerializer | serializers.ListSerializer)
        and type(serializer).to_representation is serializers.Serializer.to_representation
    )


def _nested_converter(field: f.Field) -> Callable[[Any], Any] | None:
    if type(field) is serializers.ListSerializer and _is_plain(field.child):
        one = _nested(field.child)
        if one is None:
            return None

        def represent_all(items: Any) -> list[Any]:
            if not isinstance(items, list | tuple):
                raise _Unplanned
            return [one(item) for item in items]

        return represent_all
    if _is_plain(field):
        return _nested(field)
    return None


class FastOutput(serializers.Serializer):
    """Mix into an output-only serializer (``class XOutput(FastOutput, serializers.ModelSerializer)``)."""

    _fast_plans: ClassVar[dict[type, Plan | None]] = {}

    @classmethod
    def _plan(cls) -> Plan | None:
        if cls not in FastOutput._fast_plans:
            FastOutput._fast_plans[cls] = cls._build_plan()
        return FastOutput._fast_plans[cls]

    @classmethod
    def _build_plan(cls) -> Plan | None:
        template = cls()
        plan: Plan = []
        for field in template._readable_fields:
            if type(field) is serializers.SerializerMethodField:
                plan.append((field.field_name, field.method_name, None))  # type: ignore[arg-type]
                continue
            convert = _converter(field)
            if convert is None or field.source == "*":
                return None
            plan.append((field.field_name, _reader(field.source_attrs), convert))  # type: ignore[arg-type]
        return plan

    def to_representation(self, instance: Any) -> Any:
        plan = self._plan()
        if plan is None:
            return super().to_representation(instance)
        try:
            return self._planned(plan, instance)
        except (KeyError, AttributeError, _Unplanned):
            return super().to_representation(instance)  # DRF's defaults, nulls and errors, exactly

    def _planned(self, plan: Plan, instance: Any) -> dict[str, Any]:
        row = {}
        for name, read, convert in plan:
            if convert is None:
                row[name] = getattr(self, read)(instance)  # SerializerMethodField: the method's value as is
                continue
            value = read(instance)
            row[name] = None if value is None else convert(value)
        return row
