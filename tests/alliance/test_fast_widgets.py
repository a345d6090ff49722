"""alliance/fast_widgets.py renders the very HTML Django's Select and SelectMultiple render."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe

from alliance.fast_widgets import FastSelect, FastSelectMultiple, ValuesChoiceField, use_fast_selects
from alliance.tenancy import alliance_scope
from members.models import MemberProgram
from tests.factories import MemberProgramFactory

CHOICES = [("", "Any"), ("a", "Apples & pears"), (1, "One"), ("q", "Say \"hi\" <b>'now'</b>"), (None, "None")]
GROUPED = [("", "---------"), ("Fruit", [("a", "Apple"), ("b", "<Banana>")]), ("c", "Carrot"), (2, [(3, "Three")])]

CASES = [
    ("nothing selected", CHOICES, None, None),
    ("selected", CHOICES, "a", None),
    ("the empty label selected", CHOICES, "", None),
    ("an int value selected by its text", CHOICES, "1", None),
    ("an int value selected", CHOICES, 1, None),
    ("escaping in the value", [("<x>&\"'", "odd")], "<x>&\"'", None),
    ("attrs", CHOICES, "q", {"id": "id_f", "class": "wide", "data-x": 'a"b<c', "required": True}),
    ("False and None attrs", CHOICES, None, {"disabled": False, "title": None, "autofocus": True}),
    ("a safe attr is not escaped twice", CHOICES, None, {"data-html": mark_safe("&amp;")}),
    ("optgroups", GROUPED, "b", {"id": "id_g"}),
    ("a list value", CHOICES, ["a", "q"], None),
    ("no choices", [], None, None),
    ("a safe label", [("s", mark_safe("<i>kept</i>"))], "s", None),
    ("a number label", [("n", 1234.5), ("m", 7)], "m", None),
]


@pytest.mark.parametrize(("case", "choices", "value", "attrs"), CASES, ids=[c[0] for c in CASES])
def test_select_writes_djangos_html(case, choices, value, attrs):
    django_html = forms.Select(attrs=attrs, choices=choices).render("f", value)
    assert FastSelect(attrs=attrs, choices=choices).render("f", value) == django_html


@pytest.mark.parametrize(("case", "choices", "value", "attrs"), CASES, ids=[c[0] for c in CASES])
def test_select_multiple_writes_djangos_html(case, choices, value, attrs):
    django_html = forms.SelectMultiple(attrs=attrs, choices=choices).render("f", value)
    assert FastSelectMultiple(attrs=attrs, choices=choices).render("f", value) == django_html


def test_render_time_attrs_count_as_djangos_do():
    widget = forms.Select(attrs={"class": "a"}, choices=CHOICES)
    fast = FastSelect(attrs={"class": "a"}, choices=CHOICES)
    extra = {"class": "b", "id": "id_f", "aria-describedby": "id_f_help"}
    assert fast.render("f", "a", attrs=extra) == widget.render("f", "a", attrs=extra)


class _Filters(forms.Form):
    status = forms.ChoiceField(choices=[("open", "Open"), ("", "All")], required=False)
    kinds = forms.MultipleChoiceField(choices=[("x", "X & Y"), ("z", "Z")])
    tags = forms.TypedChoiceField(choices=[(1, "one"), (2, "two")], coerce=int)
    wide = forms.ChoiceField(choices=[("w", "W")], widget=forms.RadioSelect)


def test_a_form_with_fast_selects_writes_the_same_page():
    data = {"status": "open", "kinds": ["z"], "tags": "2"}
    plain, fast = _Filters(data), _Filters(data)
    use_fast_selects(fast)
    assert type(fast.fields["status"].widget) is FastSelect
    assert type(fast.fields["kinds"].widget) is FastSelectMultiple
    assert type(fast.fields["wide"].widget) is forms.RadioSelect  # other widgets keep theirs
    assert str(fast) == str(plain)
    assert all(str(fast[name]) == str(plain[name]) for name in plain.fields)


def test_a_subclass_with_its_own_option_template_keeps_the_template_renderer():
    class Custom(FastSelect):
        option_template_name = "django/forms/widgets/input_option.html"

    html = Custom(choices=[("a", "A")]).render("f", "a")
    assert "<option" not in html
    assert html.startswith('<select name="f">')


def test_values_choice_field_lists_what_model_choice_field_lists(world):
    with alliance_scope(world.a.pk):
        MemberProgramFactory(alliance=world.a, name='Tom & Jerry\'s "<Daycare>"')
        programs = MemberProgram.objects.order_by("name")
        chosen = programs.first()

        class ByInstance(forms.Form):
            program = forms.ModelChoiceField(queryset=programs, required=False)

        class ByValues(forms.Form):
            program = ValuesChoiceField(queryset=programs, required=False)

        for data in ({}, {"program": str(chosen.pk)}):
            assert str(ByValues(data)["program"]) == str(ByInstance(data)["program"])
        form = ByValues({"program": str(chosen.pk)})
        assert form.is_valid()
        assert form.cleaned_data["program"] == chosen
        assert not ByValues({"program": str(world.z.pk)}).is_valid()  # another alliance's program


def test_values_choice_field_builds_its_label_from_several_columns(world):
    with alliance_scope(world.a.pk):
        field = ValuesChoiceField(
            queryset=MemberProgram.objects.order_by("name"),
            label_fields=("name", "kind"),
            label_from_values=lambda name, kind: f"{name} ({kind})",
            empty_label=None,
        )
        assert [label for _, label in field.choices] == [f"{p.name} ({p.kind})" for p in field.queryset]
