"""Pure data types: resource ids, resources and the ordered resource map. No I/O."""

from lamina.model.objref import ObjectRef
from lamina.model.resid import Gvk, ResId
from lamina.model.resource import Resource
from lamina.model.resmap import ResMap

__all__ = ["Gvk", "ObjectRef", "ResId", "Resource", "ResMap"]
