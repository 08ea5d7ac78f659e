"""An in-memory storage backend: the unit-of-work port without a database.

It passes the same storage contract tests as SQLite and PostgreSQL (`tests/storage`, the
`memory` case of `uow_factory`), so a service test on it says what the service does on SQL,
in milliseconds. One module per repository, as in `storage/repositories/`; `state` holds the
tables and the copy-on-write transaction, `uow` the unit of work. No SQLAlchemy here.

    uow_factory = MemoryUnitOfWorkFactory()          # an empty database
    await seed(uow_factory)                          # e.g. MemoryNetworkImportStores
    await create_invite(uow_factory, clock, ...)     # any service
"""

from storage.memory.state import IntegrityError, MemoryState, WriteConflict
from storage.memory.uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory

__all__ = [
    "IntegrityError",
    "MemoryState",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
    "WriteConflict",
]
