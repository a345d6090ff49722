"""Real ids for the fuzzing: path parameters and references in bodies and queries hit real rows.

Which model an `{id}` belongs to comes from the view the path resolves to (its `model`); which
model a field such as `program`, `classroom` or `account` names comes from the foreign keys of
the tenant models. Nothing here lists endpoints, so new apps' endpoints get real ids too.
Ids of the stranger alliance are mixed in: they must answer 404 or 400, never a row.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import Resolver404, resolve
from hypothesis import strategies as st

from alliance.models import Alliance
from alliance.tenancy import TenantModel, alliance_scope

ROWS_PER_MODEL = 12


class IdPool:
    def __init__(self) -> None:
        self.own: dict[type[models.Model], list[int]] = {}
        self.strangers: dict[type[models.Model], list[int]] = {}
        self.by_name: dict[str, set[type[models.Model]]] = defaultdict(set)
        self.slug = ""
        self._path_models: dict[str, type[models.Model] | None] = {}

    def fill(self, *, alliance: Alliance, stranger: Alliance) -> None:
        self.slug = alliance.slug
        tenant_models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
        for model in tenant_models:
            with alliance_scope(alliance.pk):
                self.own[model] = list(model.objects.order_by("pk").values_list("pk", flat=True)[:ROWS_PER_MODEL])
            with alliance_scope(stranger.pk):
                self.strangers[model] = list(model.objects.order_by("pk").values_list("pk", flat=True)[:2])
            self.by_name[model._meta.model_name].add(model)  # type: ignore[arg-type]
            for field in model._meta.get_fields():
                related = field.related_model
                if field.auto_created and not field.concrete:
                    continue  # a reverse relation
                if isinstance(related, type) and issubclass(related, TenantModel):
                    self.by_name[field.name].add(related)

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def _ids(self, models_: set[type[models.Model]]) -> tuple[list[int], list[int]]:
        own = sorted({pk for m in models_ for pk in self.own.get(m, [])})
        strangers = sorted({pk for m in models_ for pk in self.strangers.get(m, [])})
        return own, strangers

    def models_named(self, name: str) -> set[type[models.Model]]:
        for candidate in (
            name,
            name.removesuffix("_id"),
            name.removesuffix("_pk"),
            name.removesuffix("_ids"),
            name.removesuffix("_ids") + "s",
        ):
            if candidate in self.by_name:
                return self.by_name[candidate]
        return set()

    def path_model(self, path: str) -> type[models.Model] | None:
        """The model of the view an `{id}` path resolves to."""
        if path not in self._path_models:
            concrete = path.replace("{alliance_slug}", self.slug or "x")
            for name in ("id", "pk"):
                concrete = concrete.replace("{" + name + "}", "1")
            try:
                view = resolve(concrete).func
            except Resolver404:
                view = None
            cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
            self._path_models[path] = getattr(cls, "model", None)
        return self._path_models[path]

    def strategy(self, models_: set[type[models.Model]], generated: Any) -> st.SearchStrategy[Any]:
        """Mostly the alliance's own rows, sometimes the stranger's, sometimes what was generated."""
        own, strangers = self._ids(models_)
        if not own and not strangers:
            return st.just(generated)
        return st.sampled_from(own * 4 + strangers + [generated])


POOL = IdPool()


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def references(container: dict[str, Any], *, path: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """A strategy replacing integer references in `container` by real ids (one level of nesting)."""
    if not POOL.slug:
        return st.just(container)
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for key, value in container.items():
        if path is not None and key in ("id", "pk") and _is_id(value):
            model = POOL.path_model(path)
            if model is not None:
                parts[key] = POOL.strategy({model}, value)
                continue
        named = POOL.models_named(key)
        if named and _is_id(value):
            parts[key] = POOL.strategy(named, value)
        elif named and isinstance(value, list) and value and all(_is_id(v) for v in value):
            parts[key] = st.lists(POOL.strategy(named, value[0]), min_size=len(value), max_size=len(value))
        elif isinstance(value, dict):
            parts[key] = references(value)
    if not parts:
        return st.just(container)
    return st.fixed_dictionaries(parts).map(lambda chosen: {**container, **chosen})
