"""An ordered collection of resources that refuses duplicate ids."""

from __future__ import annotations

from contextlib import contextmanager
from operator import attrgetter, methodcaller
from typing import Any, Callable, Iterable, Iterator

from lamina.errors import ResourceError
from lamina.model.resid import ResId
from lamina.model.resource import Resource


class _Filing:
    """Where one resource is filed in the indexes, and what its ids were at the time."""

    __slots__ = ("cur", "previous", "n_previous", "keys", "names")

    def __init__(self, res: Resource):
        self.cur = res.cur_id
        self.previous = res.previous_ids
        self.n_previous = len(res.previous_ids)
        prev = [p.key() for p in res.previous_ids]
        # (current key, original key, every key the resource ever had)
        self.keys = (self.cur.key(), prev[0] if prev else self.cur.key(),
                     tuple(dict.fromkeys([*prev, self.cur.key()])))
        self.names = tuple(dict.fromkeys([*(p.name for p in res.previous_ids), self.cur.name]))

    def is_stale(self, res: Resource) -> bool:
        return (res.cur_id is not self.cur or res.previous_ids is not self.previous
                or len(res.previous_ids) != self.n_previous)


_OBJ, _PREVIOUS = attrgetter("obj"), attrgetter("previous_ids")
_GETS = tuple(methodcaller("get", k) for k in ("apiVersion", "kind"))
_MD_GETS = tuple(methodcaller("get", k) for k in ("name", "namespace"))
_METADATA = methodcaller("get", "metadata")


def _fingerprint(items: list[Resource]) -> tuple[list[Any], ...] | None:
    """Everything the resources' ids are made of (the four id fields, and which list of
    earlier ids each has, and its length), gathered with C-level map() calls: comparing
    two of these tells whether any id changed in a fraction of what a Python loop over the
    resources costs. None when some metadata is not a map (then the loop decides)."""
    try:
        objs = list(map(_OBJ, items))
        mds = list(map(_METADATA, objs))
        prevs = list(map(_PREVIOUS, items))
        return (*(list(map(g, objs)) for g in _GETS), *(list(map(g, mds)) for g in _MD_GETS),
                list(map(id, prevs)), list(map(len, prevs)))
    except (AttributeError, TypeError):
        return None


class ResMap:
    """Resources in build order, indexed by current, original and any id.

    Transformers rename resources by editing their dicts in place, so the map cannot be
    told when an id changes. Before each lookup it re-checks every resource's id, which
    costs a few dict reads per resource (`Resource.cur_id` is cached), and re-files the
    renamed ones. That keeps appends and lookups linear over a build, where a scan per
    call made a 6,000-resource list quadratic (as it is in Kustomize).
    """

    def __init__(self, resources: Iterable[Resource] = ()):
        self._items: list[Resource] = []
        self._filed: list[_Filing] = []
        self._by_cur: dict[tuple[str, ...], list[Resource]] = {}
        self._by_org: dict[tuple[str, ...], list[Resource]] = {}
        self._by_any: dict[tuple[str, ...], list[Resource]] = {}
        self._by_name: dict[str, list[Resource]] = {}    # every name a resource ever had
        # What the ids were made of when the indexes were last brought up to date.
        self._fingerprint: tuple[list[Any], ...] | None = None
        # set_items only marks the indexes stale: a transformer that rewrites the list
        # should not pay for an index nobody reads before the next rewrite.
        self._stale_index = False
        # Inside editing(): the resources the editor reported, to re-check at the next
        # lookup instead of every resource. None outside a window.
        self._touched: list[Resource] | None = None
        # id(resource) -> its position, built when a window first needs it; None when the
        # list was rewritten since.
        self._positions: dict[int, int] | None = None
        # The build memo's match counter (kustomize/memo.py: Chunking) on the root
        # accumulation; None everywhere else.
        self.chunking: Any = None
        self.append_all(resources)

    # ---- basic container protocol ---------------------------------------
    def __iter__(self) -> Iterator[Resource]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: int) -> Resource:
        return self._items[i]

    def resources(self) -> list[Resource]:
        return list(self._items)

    # ---- the indexes -------------------------------------------------------
    def _file(self, res: Resource) -> _Filing:
        f = _Filing(res)
        self._by_cur.setdefault(f.keys[0], []).append(res)
        self._by_org.setdefault(f.keys[1], []).append(res)
        for k in f.keys[2]:
            self._by_any.setdefault(k, []).append(res)
        for name in f.names:
            self._by_name.setdefault(name, []).append(res)
        return f

    def _unfile(self, res: Resource, f: _Filing) -> None:
        indexes: tuple[tuple[dict[Any, list[Resource]], Iterable[Any]], ...] = (
            (self._by_cur, (f.keys[0],)), (self._by_org, (f.keys[1],)),
            (self._by_any, f.keys[2]), (self._by_name, f.names))
        for index, keys in indexes:
            for k in keys:
                bucket = index[k]
                bucket[:] = [r for r in bucket if r is not res]
                if not bucket:
                    del index[k]

    def _refresh(self) -> None:
        if self._touched is not None and not self._stale_index:
            self._refresh_touched()
            return
        fingerprint = _fingerprint(self._items)
        if self._stale_index:
            self._reindex()
            self._fingerprint = fingerprint
            return
        if fingerprint is not None and fingerprint == self._fingerprint:
            return
        self._fingerprint = fingerprint
        filed = self._filed
        # The check of _Filing.is_stale, inlined: this loop runs before every lookup.
        for i, (res, f) in enumerate(zip(self._items, filed)):
            prev = res.previous_ids
            if res.cur_id is not f.cur or prev is not f.previous or len(prev) != f.n_previous:
                self._unfile(res, f)
                filed[i] = self._file(res)

    def _refresh_touched(self) -> None:
        """Re-file only what the editor of the open window reported (see editing())."""
        touched, self._touched = self._touched, []
        if not touched:
            return
        if self._positions is None:
            self._positions = {id(r): i for i, r in enumerate(self._items)}
        for res in {id(r): r for r in touched}.values():
            i = self._positions.get(id(res))
            if i is None or self._items[i] is not res:
                continue        # no longer in the map (removed or replaced)
            f = self._filed[i]
            if f.is_stale(res):
                self._unfile(res, f)
                self._filed[i] = self._file(res)
            self._set_fingerprint_at(i, res)

    @contextmanager
    def editing(self) -> Iterator[None]:
        """A window for code that looks resources up while it edits them and knows which
        ones it edits: it reports each with touch(), and lookups inside the window re-check
        only those instead of the ids of every resource (a pass over the whole map per
        lookup is what made a long run of patches or replicas entries slow). Resources
        added, replaced or removed through the map's own methods need no report. Code that
        cannot name what it edits must not run inside a window."""
        if self._touched is not None:      # nested: the outer window goes on
            yield
            return
        self._refresh()
        self._touched = []
        try:
            yield
        finally:
            try:
                self._refresh_touched()
            finally:
                self._touched = None

    def touch(self, res: Resource) -> None:
        """Report an edit that may have changed `res`'s id (see editing()); a no-op
        outside a window, where every lookup re-checks every id anyway."""
        if self._touched is not None:
            self._touched.append(res)

    def _set_fingerprint_at(self, i: int, res: Resource) -> None:
        """Keep the fingerprint in step with a resource just filed at position i."""
        part = _fingerprint([res])
        if part is None or self._fingerprint is None:
            self._fingerprint = None
            return
        for column, (value,) in zip(self._fingerprint, part):
            if i == len(column):
                column.append(value)
            else:
                column[i] = value

    def _reindex(self) -> None:
        self._stale_index = False
        self._by_cur, self._by_org, self._by_any, self._by_name = {}, {}, {}, {}
        self._filed = [self._file(r) for r in self._items]

    def _in_order(self, bucket: list[Resource] | None) -> list[Resource]:
        if not bucket:
            return []
        if len(bucket) == 1:
            return list(bucket)
        wanted = {id(r) for r in bucket}
        return [r for r in self._items if id(r) in wanted]

    # ---- mutation --------------------------------------------------------
    def append(self, res: Resource) -> None:
        self.append_all((res,))

    def append_all(self, other: "ResMap | Iterable[Resource]") -> None:
        self._refresh()
        for res in other:
            cur = res.cur_id
            if self._by_cur.get(cur.key()):
                raise ResourceError(
                    f"may not add resource with an already registered id: {cur}")
            if self._positions is not None:
                self._positions[id(res)] = len(self._items)
            self._items.append(res)
            self._filed.append(self._file(res))
            self._set_fingerprint_at(len(self._items) - 1, res)

    def remove(self, res: Resource) -> None:
        self.set_items([r for r in self._items if r is not res])

    def replace(self, old: Resource, new: Resource) -> None:
        if self._stale_index:
            self.set_items([new if r is old else r for r in self._items])
            return
        for i, r in enumerate(self._items):
            if r is old:
                self._unfile(old, self._filed[i])
                self._items[i] = new
                if self._positions is not None:
                    self._positions[id(new)] = i
                self._filed[i] = self._file(new)
                self._set_fingerprint_at(i, new)

    def set_items(self, items: list[Resource]) -> None:
        items = list(items)
        if len(items) == len(self._items) and all(a is b for a, b in zip(items, self._items)):
            return    # the same list again (a filter that dropped nothing): keep the indexes
        self._items = items
        self._stale_index = True
        self._positions = None

    def drop_empty(self) -> None:
        """Remove the resources whose object a transformer emptied. Called after every
        transformer, so the common case (nothing emptied) is one C-level pass."""
        if not all(map(_OBJ, self._items)):
            self.set_items([r for r in self._items if r.obj])

    def clear(self) -> None:
        self.set_items([])

    # ---- lookups ---------------------------------------------------------
    def by_current_id(self, rid: ResId) -> list[Resource]:
        self._refresh()
        return self._in_order(self._by_cur.get(rid.key()))

    def by_any_id(self, rid: ResId) -> list[Resource]:
        self._refresh()
        return self._in_order(self._by_any.get(rid.key()))

    def by_original_id(self, rid: ResId) -> list[Resource]:
        self._refresh()
        return self._in_order(self._by_org.get(rid.key()))

    def named(self, name: str) -> list[Resource]:
        """Resources whose current or any earlier id has this name, in order."""
        self._refresh()
        return self._in_order(self._by_name.get(name))

    def filter(self, pred: Callable[[Resource], bool]) -> list[Resource]:
        return [r for r in self._items if pred(r)]

    def copy(self) -> "ResMap":
        m = ResMap()
        m.set_items([r.copy() for r in self._items])
        return m
