"""The web pages' forms: one module per views module (``hub.forms.board`` for ``hub.views.board``).

A form class names its fields (the HTML names the templates use), checks what only the page
asks for (a choice made, a box ticked) with validators that carry the message, and keeps what
was typed when the page comes back with an error. Rules that hold however a value arrives (by
mail, from the CSV import, from the shell) stay in the domain functions; their
``ValidationError`` lands on the form through ``HubForm.fail``, so a page shows either kind
of error the same way, on the field it names.

CSRF stays where it is: ``CSRFProtect`` (bound in ``hub.web``) checks the token of every POST
before any view runs, so these forms do not check it a second time.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import ValidationError


class HubForm(FlaskForm):
    """A form whose first error, and the field it belongs to, is what the page shows."""

    class Meta:
        csrf = False  # CSRFProtect has checked the token already

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._failure: str | None = None
        self._failed_field: str | None = None

    def fail(self, exc: Exception) -> None:
        """Show a domain error (``str(exc)``) on the field it names (``exc.field``), if any."""
        self._failure = str(exc)
        name = getattr(exc, "field", None)
        self._failed_field = name if name in self._fields else None

    @property
    def error(self) -> str | None:
        """The sentence the page shows above the form, or None."""
        if self._failure is not None:
            return self._failure
        for field in self:
            if field.errors:
                return str(field.errors[0])
        return None

    @property
    def error_field(self) -> str | None:
        """The name of the field the error is about, for ``aria-invalid``."""
        if self._failure is not None:
            return self._failed_field
        for field in self:
            if field.errors:
                return field.name
        return None

    def values(self, *names: str) -> dict[str, str]:
        """The named fields' values as typed, as the domain functions take them."""
        return {name: self[name].data or "" for name in names or self._fields}

    def sent(self) -> dict[str, str]:
        """The fields the POST carried, as typed (a box left unticked is not sent)."""
        return {field.name: field.data for field in self if field.raw_data}

    def shown(self) -> dict[str, str]:
        """Every field's value for the page: what was typed, else what the form started with."""
        return {field.name: "" if field.data is None else str(field.data) for field in self}


def text(label: str = "", **kwargs: object) -> StringField:
    """A one-line text field that reads as ``""`` when the POST left it out."""
    return StringField(label, default="", **kwargs)


def long_text(label: str = "", **kwargs: object) -> TextAreaField:
    """A text area that reads as ``""`` when the POST left it out."""
    return TextAreaField(label, default="", **kwargs)


class OneOf:
    """The value is one of ``choices``; else ``message`` (lazy, in the reader's language)."""

    def __init__(self, choices: tuple[str, ...], message: object) -> None:
        self.choices = choices
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data not in self.choices:
            raise ValidationError(str(self.message))


__all__ = ["HubForm", "OneOf", "long_text", "text"]
