"""Forms generated from the catalog: the one validator for HTTP posts and websocket messages."""

from __future__ import annotations

from typing import Any

from django import forms

from playground.catalog import DIALECT_LABELS, ModelSpec, ParamSpec, get_catalog
from playground.catalog.spec import MAX_STOP_SEQUENCES

MAX_PROMPT_CHARS = 256 * 1024
MAX_SYSTEM_CHARS = 64 * 1024


class StopField(forms.CharField):
    """Comma- or newline-separated stop sequences, at most four."""

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        text = super().to_python(value)
        return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]

    def validate(self, value: list[str]) -> None:
        if len(value) > MAX_STOP_SEQUENCES:
            raise forms.ValidationError(
                f"Stop sequences: at most {MAX_STOP_SEQUENCES}, got {len(value)}."
            )

    def prepare_value(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list) else (value or "")


def _range_messages(param: ParamSpec, kind: str) -> dict[str, str]:
    allowed = f"{param.title} must be {kind} from {param.range_text()}"
    return {
        "min_value": allowed + ".",
        "max_value": allowed + ".",
        "invalid": allowed + ".",
        "required": f"{param.title} is required.",
        "step_size": allowed + ".",
    }


def param_field(param: ParamSpec) -> forms.Field:
    common = {
        "label": param.title,
        "help_text": param.description,
        "required": False,
        "initial": param.fixed if param.is_fixed else param.default,
    }
    if param.type == "integer":
        field = forms.IntegerField(
            min_value=param.min,
            max_value=param.max,
            error_messages=_range_messages(param, "a whole number"),
            **common,
        )
    elif param.type == "number":
        field = forms.FloatField(
            min_value=param.min,
            max_value=param.max,
            error_messages=_range_messages(param, "a number"),
            **common,
        )
        field.widget.attrs["step"] = param.step or "any"
    elif param.type == "boolean":
        field = forms.BooleanField(**common)
        field.widget.attrs["role"] = "switch"
    elif param.type == "choice":
        field = forms.ChoiceField(
            choices=[(c, c) for c in param.choices],
            error_messages={
                "invalid_choice": f"{param.title} must be one of {param.range_text()}."
            },
            **common,
        )
    else:
        field = StopField(max_length=4000, **common)
    # An unchecked box is a value (false), never a missing one.
    field.required = (
        param.send == "always"
        and param.default is not None
        and not param.is_fixed
        and param.type != "boolean"
    )
    field.disabled = param.is_fixed
    if param.default is None and not param.is_fixed:
        field.widget.attrs["placeholder"] = "not sent"
    if param.type in ("integer", "number"):  # the browser checks the range as it is typed
        field.widget.attrs.update(inputmode="decimal" if param.type == "number" else "numeric")
    field.spec = param
    return field


class ParamsForm(forms.Form):
    """Fields for every parameter the model accepts in the chosen dialect."""

    def __init__(self, data=None, *, spec: ModelSpec, dialect: str, **kwargs):
        super().__init__(data, **kwargs)
        self.spec, self.dialect = spec, dialect
        for param in spec.params_for(dialect):
            self.fields[param.name] = param_field(param)

    def upstream_params(self) -> dict[str, Any]:
        """Exactly what to send: no fixed params, no unset optional ones, no orphaned ones."""
        assert self.is_valid(), "upstream_params() needs a valid form"
        values = self.cleaned_data
        sent = {}
        for name, field in self.fields.items():
            param: ParamSpec = field.spec
            value = values.get(name)
            if param.is_fixed or value in (None, "", []):
                continue
            if param.requires and not values.get(param.requires):
                continue
            if param.send == "when_set" and value == param.default:
                continue
            sent[name] = value
        return sent

    def values(self) -> dict[str, Any]:
        """Every editable value as the user sees it (stored with a run, shown on share pages)."""
        return self.cleaned_data_editable()

    def cleaned_data_editable(self) -> dict[str, Any]:
        """The editable values that are valid (all of them once the form is valid)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {n: v for n, v in cleaned.items() if not self.fields[n].disabled}


def params_initial(*, spec: ModelSpec, dialect: str, previous: dict[str, Any]) -> dict[str, Any]:
    """After a model or dialect change: keep every previous value the new spec still accepts."""
    kept = {}
    for param in spec.params_for(dialect):
        if param.is_fixed or param.name not in previous:
            continue
        field = param_field(param)
        try:
            kept[param.name] = field.clean(previous[param.name])
        except forms.ValidationError:
            continue
    return kept


_choices: tuple = (None, [])


def model_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker's choices, computed once per catalog (a form is built for every send)."""
    global _choices
    catalog = get_catalog()
    if _choices[0] is not catalog:
        groups: dict[str, list[tuple[str, str]]] = {}
        for model in catalog.models.values():
            provider = catalog.provider_of(model)
            groups.setdefault(provider.name, []).append((model.ref, model.name))
        _choices = (catalog, list(groups.items()))
    return _choices[1]


class PaneForm(forms.Form):
    """A pane's model, dialect and system prompt (its parameters are a ParamsForm beside it)."""

    model = forms.ChoiceField(label="Model")
    dialect = forms.ChoiceField(label="API dialect", choices=list(DIALECT_LABELS.items()))
    system = forms.CharField(
        label="System prompt",
        required=False,
        max_length=MAX_SYSTEM_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = model_choices()

    def clean(self):
        cleaned = super().clean()
        ref, dialect = cleaned.get("model"), cleaned.get("dialect")
        if ref and dialect:
            model = get_catalog().model(ref)
            if dialect not in model.dialects:
                allowed = ", ".join(DIALECT_LABELS[d] for d in model.dialects)
                self.add_error("dialect", f"{model.name} on this provider speaks {allowed}.")
        return cleaned

    @property
    def model_spec(self) -> ModelSpec:
        return get_catalog().model(self.cleaned_data["model"])


MAX_REPEAT = 10


class ComposerForm(forms.Form):
    repeat = forms.IntegerField(
        label="Repeat",
        required=False,
        min_value=1,
        max_value=MAX_REPEAT,
        error_messages={"min_value": f"Repeat from 1 to {MAX_REPEAT} times.",
                        "max_value": f"Repeat from 1 to {MAX_REPEAT} times.",
                        "invalid": f"Repeat from 1 to {MAX_REPEAT} times."},
    )  # fmt: skip
    prompt = forms.CharField(
        label="Prompt",
        max_length=MAX_PROMPT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write a prompt first.",
            "max_length": "The prompt is too long: at most %(limit_value)s characters "
            "(it has %(show_value)s).",
        },
    )

    def clean_prompt(self):
        prompt = self.cleaned_data["prompt"]
        if not prompt.strip():
            raise forms.ValidationError("Write a prompt first.")
        return prompt
