"""Select widgets and model choice fields that cost less per request, with the same HTML (issue 21).

Django renders a `<select>` through its form template renderer: one template include per option
and a template loop over each option's attributes. A filter form with a few dozen options spent
more CPU there than the rest of its page. `FastSelect` and `FastSelectMultiple` build the same
markup directly from the context Django's own widget computes (`get_context`, so `selected`,
`multiple`, `required`, the id and every attribute are decided by Django as before); only the
template step is replaced. `tests/alliance/test_fast_widgets.py` compares the two byte for byte.

`ValuesChoiceField` is a `ModelChoiceField` whose choices are read as tuples (the key and the few
columns its label is made of) instead of model instances; validation still reads the instance
from the queryset, as Django's does.

`use_fast_selects(form)` swaps a form's plain `Select`/`SelectMultiple` widgets for the fast ones.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.safestring import SafeData, SafeString, mark_safe

from alliance.templatetags.hub_format import printed as _text

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attr_value(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe string safe, so it is not escaped."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))  # "%s" % value, which is str() (stringformat makes a tuple str first)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: False leaves the attribute out, True writes its bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_attr_value(value)}"')
    return "".join(parts)


def render_select(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/select.html (and select_option.html per option), from a Select's
    `get_context()["widget"]`."""
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            out.append(
                f'\n  <option value="{_attr_value(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"  # select_option.html ends with a newline
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return mark_safe("".join(out))


class FastSelect(forms.Select):
    """Renders through `render_select` while it uses Django's own two templates; a subclass that
    names other templates is rendered by the template renderer as before."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        if self.template_name != SELECT_TEMPLATE or self.option_template_name != OPTION_TEMPLATE:
            return super().render(name, value, attrs, renderer)
        return render_select(self.get_context(name, value, attrs)["widget"])


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    """`SelectMultiple` (its `multiple` attribute and list of values) rendered as FastSelect does."""


_FAST_WIDGETS: dict[type, type] = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}


def use_fast_selects(form: forms.BaseForm) -> None:
    """Give each field of `form` whose widget is exactly Django's Select or SelectMultiple the fast
    one. The widget's class is changed in place: the fast classes add no state, and the widget
    keeps the attributes and choices its field gave it (ModelChoiceField sets them on the widget)."""
    for field in form.fields.values():
        fast = _FAST_WIDGETS.get(type(field.widget))
        if fast is not None:
            field.widget.__class__ = fast


class ValuesChoiceIterator(ModelChoiceIterator):
    """(key, label) per row from `values_list`, not per model instance: the options' values and
    labels are the same; no choice carries its instance (nothing in our widgets reads it)."""

    field: ValuesChoiceField

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        make_label = self.field.label_from_values
        rows = self.queryset.prefetch_related(None).values_list(key, *self.field.label_fields)
        for value, *columns in rows:
            yield (value, make_label(*columns))


class ValuesChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options come from `label_fields` (lookups such as "name" or
    "site__program__name") and `label_from_values(*columns)`; by default the one column's text."""

    iterator = ValuesChoiceIterator

    def __init__(
        self,
        queryset: Any,
        *,
        label_fields: tuple[str, ...] = ("name",),
        label_from_values: Callable[..., str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.label_fields = label_fields
        if label_from_values is not None:
            self.label_from_values = label_from_values  # type: ignore[method-assign]
        kwargs.setdefault("widget", FastSelect)
        super().__init__(queryset, **kwargs)

    def label_from_values(self, *columns: Any) -> str:
        return str(columns[0])
