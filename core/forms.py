from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """A native date picker; the value is always ISO so browsers accept it whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CheckboxDropdown(forms.CheckboxSelectMultiple):
    """A multiple choice as a fold-out list of tick boxes; the closed fold shows what is chosen.

    Rendered in Python (no widget template), so it needs no form-renderer setting."""

    def __init__(self, attrs=None, choices=(), placeholder=None):
        super().__init__(attrs, choices)
        self.placeholder = placeholder

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        chosen, boxes = [], []
        for _group, options, _index in context["optgroups"]:
            for option in options:
                if option["selected"]:
                    chosen.append(format_html('<span class="ms-chip">{}</span>', option["label"]))
                boxes.append(
                    format_html(
                        '<label><input type="checkbox" name="{}" value="{}"{}> {}</label>',
                        name,
                        option["value"],
                        mark_safe(" checked") if option["selected"] else "",
                        option["label"],
                    )
                )
        summary = (
            format_html_join("", "{}", ((chip,) for chip in chosen))
            if chosen
            else format_html('<span class="ms-placeholder">{}</span>', self.placeholder or _("全部"))
        )
        return format_html(
            '<details class="multi-select" id="{}"><summary>{}</summary><div class="multi-select-panel">{}</div></details>',
            (attrs or {}).get("id", f"id_{name}"),
            summary,
            format_html_join("", "{}", ((b,) for b in boxes)),
        )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>`` (Django 5.2 has no such field)."""

    def __init__(self, *args, accept="image/*", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        return [single(f, initial) for f in files]


def add_workflow_errors(form, exc):
    """Attach a WorkflowError's field messages to the form (unknown fields become form errors)."""
    placed = False
    for field, messages in (exc.errors or {}).items():
        target = field if field in form.fields else None
        for message in messages if isinstance(messages, list | tuple) else [messages]:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def photo_field(label, *, required=False, help_text=""):
    """Several photos from the phone's camera at once."""
    field = MultipleFileField(label=label, required=required, help_text=help_text)
    field.widget.attrs.update({"capture": "environment", "data-photo-input": ""})
    return field
