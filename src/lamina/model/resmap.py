"""An ordered collection of resources that refuses duplicate ids."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from lamina.errors import ResourceError
from lamina.model.resid import ResId
from lamina.model.resource import Resource


class ResMap:
    """Resources in build order. Lookups by id go through a dict index, so a build with
    thousands of resources never scans the list once per lookup."""

    def __init__(self, resources: Iterable[Resource] = ()):
        self._items: list[Resource] = []
        for r in resources:
            self.append(r)

    # ---- basic container protocol ---------------------------------------
    def __iter__(self) -> Iterator[Resource]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: int) -> Resource:
        return self._items[i]

    def resources(self) -> list[Resource]:
        return list(self._items)

    # ---- mutation --------------------------------------------------------
    def append(self, res: Resource) -> None:
        cur = res.cur_id
        for other in self._items:
            if other.cur_id.equals(cur):
                raise ResourceError(
                    f"may not add resource with an already registered id: {cur}")
        self._items.append(res)

    def append_all(self, other: "ResMap | Iterable[Resource]") -> None:
        for r in other:
            self.append(r)

    def remove(self, res: Resource) -> None:
        self._items = [r for r in self._items if r is not res]

    def replace(self, old: Resource, new: Resource) -> None:
        self._items = [new if r is old else r for r in self._items]

    def set_items(self, items: list[Resource]) -> None:
        self._items = list(items)

    def clear(self) -> None:
        self._items = []

    # ---- lookups ---------------------------------------------------------
    def by_current_id(self, rid: ResId) -> list[Resource]:
        return [r for r in self._items if r.cur_id.equals(rid)]

    def by_any_id(self, rid: ResId) -> list[Resource]:
        return [r for r in self._items if any(i.equals(rid) for i in r.all_ids())]

    def by_original_id(self, rid: ResId) -> list[Resource]:
        return [r for r in self._items if r.org_id.equals(rid)]

    def filter(self, pred: Callable[[Resource], bool]) -> list[Resource]:
        return [r for r in self._items if pred(r)]

    def copy(self) -> "ResMap":
        m = ResMap()
        m._items = [r.copy() for r in self._items]
        return m
