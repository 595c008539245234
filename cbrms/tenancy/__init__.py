"""The one tenancy layer: every read and write of tenant data is scoped here.

- ``context``: the acting organization (and acting user) of the current request, task or command.
- ``managers``: the scoped manager; it raises without an acting organization (fails closed).
- ``selectors``: what an organization may see, answered once for every resource.
- ``api``: the DRF view-set base that owns ``get_queryset``/``get_object``, and scoped fields.
- ``middleware`` / ``resolution``: how a request gets its acting organization.
"""
