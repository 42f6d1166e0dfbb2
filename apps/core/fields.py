"""Serializer fields that accept exactly what the API schema says."""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans.

    DRF's ``CharField`` turns ``0`` into ``"0"``, so a JSON body the schema calls invalid (a number where a
    string belongs) was accepted. Here it gets the usual 400 in the one error shape.
    """

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
