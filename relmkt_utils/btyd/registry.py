"""The one registry of the BTYD models: a model registers itself by being defined.

A model class names itself in its class statement::

    class BetaGeo(CustomerModel, key="bgnbd", name="BG/NBD", data="continuous", segment_test=True, rank=1):
        results_cls = BetaGeoResults

and :class:`Registered` (the base of every BTYD model) enters it in :data:`REGISTRY` under its key.
Everything that needs "the models" reads the registry: the chooser (:mod:`.choose`: ``btyd.MODELS``,
``btyd.NAMES``, ``btyd.DISCRETE``, ``btyd.fit_model``), persistence (:func:`.load_results` finds the
results class of a saved file), the segment tests (:func:`.segment_lr_test`) and the covariate variants
(:func:`.simulate_with_covariates`). Adding a model is its module and its tests.

``data`` says what the model is fitted to:

* ``"continuous"`` -- (frequency, recency, T) of a continuous-time summary (:func:`.rfm_summary`);
* ``"discrete"`` -- (frequency, recency, n_periods) of discrete purchase opportunities;
* ``"spend"`` -- (frequency, monetary_value) of the repeat buyers;
* ``"covariates"`` -- a model with time-invariant covariates; the continuous-time ones name the model they are
  the variant of in ``base`` (what :func:`.simulate_with_covariates` draws from), the Gamma-Gamma's and the
  BG/BB's (:mod:`.spend_covariates`, :mod:`.bgbb_covariates`) do not;
* ``"timevarying"`` -- a continuous-time model on a panel of dated covariate periods (:mod:`.timevarying`);
* ``"segments"`` -- one model for many segments with shrunken segment effects (:mod:`.segments`);
* ``"contractual"`` -- survivors of a cohort per renewal period (the beta-discrete-Weibull of
  :mod:`relmkt_utils.retention.bdw`), registered so that :func:`.load_results` finds its results class once
  :mod:`relmkt_utils.retention` is imported (the registry's models enter it when their module is imported).

The purchase models the notebooks choose from are the continuous and discrete ones, except a model
registered with ``chooser=False`` (the NBD, which the boundary check fits where a latent-attrition model
finds no dropout, :mod:`.boundary`; the Sarmanov-correlated Pareto/NBD of :mod:`.correlated`). ``nested`` names the model a latent-attrition model reduces to when its
dropout vanishes (``"nbd"`` for the BG/NBD, Pareto/NBD and MBG/NBD). ``rank`` orders the models where they
are listed (the chooser's error message, :data:`MODELS`).
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Set
from dataclasses import dataclass

DATA = ("continuous", "discrete", "spend", "covariates", "contractual", "timevarying", "segments")
PURCHASE = ("continuous", "discrete")


@dataclass(frozen=True)
class ModelEntry:
    """One registered model: its key, display name, class, what it is fitted to, whether
    :func:`.segment_lr_test` can fit it per segment, whether its results can be saved and loaded without
    the customers, for a covariate variant the key of its base model, whether the notebooks' ``model``
    parameter offers it (``chooser``) and the key of the model it reduces to without dropout (``nested``)."""

    key: str
    name: str
    model: type
    data: str
    segment_test: bool = False
    savable: bool = True
    base: str | None = None
    rank: int = 100
    chooser: bool = True
    nested: str | None = None

    @property
    def results(self) -> type:
        """The results class of the model (``model.results_cls``; a model defined before its results class
        names it with a property that reads no state of the instance)."""
        named = inspect.getattr_static(self.model, "results_cls")
        return named.fget(None) if isinstance(named, property) else named

    @property
    def covariates(self) -> type | None:
        """The model class with covariates whose base this model is, or None."""
        for entry in REGISTRY.values():
            if entry.base == self.key:
                return entry.model
        return None


#: key -> :class:`ModelEntry`, ordered by rank (then by definition).
REGISTRY: dict[str, ModelEntry] = {}


def register(cls, key: str, name: str, data: str, segment_test: bool = False, savable: bool = True,
             base: str | None = None, rank: int = 100, chooser: bool = True, nested: str | None = None) -> ModelEntry:
    """Enter a model class in :data:`REGISTRY` (called by :class:`Registered` when a model is defined)."""
    if data not in DATA:
        raise ValueError(f"{cls.__name__}: data must be one of {DATA}, got {data!r}")
    if key in REGISTRY and REGISTRY[key].model.__qualname__ != cls.__qualname__:
        raise ValueError(f"{cls.__name__}: the model key {key!r} is taken by {REGISTRY[key].model.__name__}")
    entry = ModelEntry(key, name, cls, data, bool(segment_test), bool(savable), base, int(rank), bool(chooser), nested)
    REGISTRY[key] = entry
    ordered = sorted(REGISTRY.values(), key=lambda e: e.rank)   # stable: definition order within a rank
    REGISTRY.clear()
    REGISTRY.update((e.key, e) for e in ordered)
    return entry


class Registered:
    """Base of the BTYD models: a subclass defined with ``key=...`` registers itself (module docstring)
    and takes ``name`` as its ``model_name``."""

    registry_key: str | None = None
    model_name = "model"

    def __init_subclass__(cls, key: str | None = None, name: str | None = None, data: str | None = None,
                          segment_test: bool = False, savable: bool = True, base: str | None = None,
                          rank: int = 100, chooser: bool = True, nested: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if key is None:
            return
        cls.registry_key = key
        cls.model_name = name or key
        register(cls, key, cls.model_name, data or "continuous", segment_test, savable, base, rank, chooser, nested)


def entry(model) -> ModelEntry | None:
    """The entry of a key (``"bgnbd"``) or of a registered model class; None if there is none."""
    if isinstance(model, str):
        return REGISTRY.get(model)
    return REGISTRY.get(getattr(model, "registry_key", None) or "")


def results_classes() -> dict:
    """Results class name -> class of every model whose results can be saved and loaded."""
    return {e.results.__name__: e.results for e in REGISTRY.values() if e.savable}


class RegistryView(Mapping):
    """A read-only, always current view of the registry: key -> ``value(entry)`` for the entries that
    ``keep(entry)`` accepts (``btyd.MODELS``: key -> class of the purchase models)."""

    def __init__(self, keep, value):
        self._keep, self._value = keep, value

    def _entries(self):
        return [e for e in REGISTRY.values() if self._keep(e)]

    def __getitem__(self, key):
        e = REGISTRY.get(key)
        if e is None or not self._keep(e):
            raise KeyError(key)
        return self._value(e)

    def __iter__(self):
        return iter([e.key for e in self._entries()])

    def __len__(self) -> int:
        return len(self._entries())

    def __repr__(self) -> str:
        return repr(dict(self))


class KeySet(Set):
    """A read-only, always current set of registry keys (``btyd.DISCRETE``)."""

    def __init__(self, keep):
        self._keep = keep

    def _keys(self):
        return [e.key for e in REGISTRY.values() if self._keep(e)]

    def __contains__(self, key) -> bool:
        return key in self._keys()

    def __iter__(self):
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __repr__(self) -> str:
        return repr(tuple(self._keys()))


def is_purchase(e: ModelEntry) -> bool:
    """A purchase model the notebooks' ``model`` parameter offers."""
    return e.data in PURCHASE and e.chooser


#: key -> class of the purchase models (the notebooks' ``model`` parameter).
MODELS = RegistryView(is_purchase, lambda e: e.model)
#: key -> display name of the purchase models.
NAMES = RegistryView(is_purchase, lambda e: e.name)
#: keys of the models of discrete purchase opportunities.
DISCRETE = KeySet(lambda e: e.data == "discrete")
